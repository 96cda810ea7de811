"""The in-process floor of one assignment: its tests over a batch of submissions in one warm
process, no isolation, no workers (what grading cannot go below on one core).

    .venv/bin/python benchmarks/floor.py <assignment id> <folder of submissions>

Grades the first submission once to warm up (imports, caches), then times ``check.run`` over every
submission in order, and prints ``{"seconds_per_submission": s, "n": n}`` as the last line.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import check, course  # noqa: E402


def main(assignment_id: str, subs: str) -> int:
    a = course.get(assignment_id)
    folders = sorted(p for p in Path(subs).iterdir() if p.is_dir())
    check.run(a, folders[0])
    began = time.perf_counter()
    for folder in folders:
        check.run(a, folder)
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds_per_submission": seconds / len(folders), "n": len(folders)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
