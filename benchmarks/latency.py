"""What a student waits for: `check` on the reference, whole and one task at a time (issue 16's goals).

    .venv/bin/python benchmarks/latency.py [--runs 3] [--only a3_positional_encoding,...]

Per assignment: one cold `python -m autograder check <id> --submission <reference> -q` (its
``__pycache__`` removed first), then the median of ``--runs`` warm ones; then, per task, the median
of ``--runs`` warm `check --task K`. Each figure is the wall time of the whole command, start-up
included, as the student sees it. The 1-minute load average is read before and after, because on
a shared machine it decides the seconds. Writes the table between ``<!-- latency -->`` markers in
benchmarks/README.md (unless ``--only`` is given).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, stamp, write_block  # noqa: E402

from autograder import course, selection  # noqa: E402

GOAL_CHECK_S, GOAL_TASK_S = 5.0, 3.0


def wall(cmd: list[str]) -> float:
    began = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    took = time.perf_counter() - began
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: the reference should pass\n{proc.stdout}{proc.stderr}")
    return took


def missed(took: float, goal: float) -> str:
    return "met" if took <= goal else f"missed by {took - goal:.1f} s"


def measure(a: course.Assignment, runs: int, tasks: bool = True) -> list[tuple[str, str, str]]:
    """Rows (command, wall time, goal) for ``check`` on the reference of ``a``, whole and (``tasks``) per task."""
    cmd = [sys.executable, "-m", "autograder", "check", a.id, "--submission", str(a.solution_dir), "-q"]
    for cache in a.solution_dir.rglob("__pycache__"):
        shutil.rmtree(cache)
    cold = wall(cmd)
    warm = statistics.median(wall(cmd) for _ in range(runs))
    rows = [(f"check {a.id}", f"cold {cold:.1f} s, warm {warm:.1f} s",
             f"goal <= {GOAL_CHECK_S:g} s warm: {missed(warm, GOAL_CHECK_S)}")]
    for task in selection.tasks(a.tests_dir()) if tasks else []:
        took = statistics.median(wall([*cmd, "--task", task]) for _ in range(runs))
        rows.append((f"check {a.id} --task {task}", f"{took:.1f} s", f"goal <= {GOAL_TASK_S:g} s: {missed(took, GOAL_TASK_S)}"))
    return rows


def table(rows: list[tuple[str, str, str]]) -> str:
    return "\n".join(["| command (reference solution) | wall time (median of warm runs) | goal |", "|---|---|---|",
                      *(f"| `{a}` | {b} | {c} |" for a, b, c in rows)])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    chosen = [course.get(i) for i in args.only.split(",")] if args.only else course.assignments()
    load_before = os.getloadavg()[0]
    rows = []
    for a in chosen:
        for row in measure(a, args.runs):
            rows.append(row)
            print(" | ".join(row), flush=True)
    block = (f"{stamp()}; {args.runs} warm runs each; 1-minute load average {load_before:.1f} before, "
             f"{os.getloadavg()[0]:.1f} after.\n\n{table(rows)}\n")
    print(block)
    if not args.only:
        write_block("latency", block)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
