"""``python -m autograder timing``: measure the reference solution's time per test file.

The result, ``tests/reference_times.json``, is what ``autograder.timing`` derives every time limit
from (per test and for the check's whole run).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from . import check, timing


def reference_times(assignment) -> Path:
    """Run the full suite on the reference solution in this process; write ``reference_times.json``
    into the solution's ``tests/`` (regenerate the skeleton afterwards). Returns the file."""
    durations: dict[str, float] = {}

    class Stopwatch:
        def pytest_runtest_logreport(self, report):
            durations[report.nodeid] = durations.get(report.nodeid, 0.0) + report.duration

    began = time.monotonic()
    report = check.run(assignment, assignment.solution_dir, plugins=[Stopwatch()], progress=False,
                       test_timeout=0, budget=0)
    total = time.monotonic() - began
    if not report.full_marks:
        raise RuntimeError(f"the reference of {assignment.id} does not earn full marks: {report.error or 'tests fail'}")
    slowest: dict[str, float] = {}
    for nodeid, seconds in durations.items():
        name = nodeid.split("::")[0].rsplit("/", 1)[-1]
        slowest[name] = max(slowest.get(name, 0.0), seconds)
    path = assignment.solution_dir / "tests" / timing.TIMES_FILE
    data = {"_": "written by `python -m autograder timing`: the reference solution's seconds (autograder/timing.py)",
            "total_s": round(total, 1), "slowest_test_s": {k: round(v, 2) for k, v in sorted(slowest.items())}}
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path
