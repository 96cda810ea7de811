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
import signal
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


WATCHED = "save a file to check again"  # the line `check --watch` prints after each check


def watch_rerun(a: course.Assignment, runs: int, task: str | None = None) -> float:
    """Median seconds from saving a file (a new modification time on the reference's first module,
    in a copy) to the end of the report of `check --watch` (with ``--task``), after its first check."""
    import queue
    import tempfile
    import threading

    from autograder import mutants

    with tempfile.TemporaryDirectory() as tmp:
        folder = mutants.copy_submission(a.solution_dir, Path(tmp) / "reference")
        cmd = [sys.executable, "-m", "autograder", "check", a.id, "--submission", str(folder), "--watch",
               *(["--task", task] if task else [])]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()

        def next_report() -> None:
            while WATCHED not in lines.get(timeout=600):
                pass

        try:
            next_report()
            took = []
            for _ in range(runs):
                saved = time.perf_counter()
                module = folder / a.modules[0]
                os.utime(module, ns=(time.time_ns(), time.time_ns()))
                next_report()
                took.append(time.perf_counter() - saved)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
    return statistics.median(took)


def watch_rows(a: course.Assignment, runs: int) -> list[tuple[str, str, str]]:
    """Rows for `check --watch` (whole and per task): from a save to the new report."""
    rows = []
    for task in [None, *selection.tasks(a.tests_dir())]:
        took = watch_rerun(a, runs, task)
        goal = GOAL_TASK_S if task else GOAL_CHECK_S
        rows.append((f"check {a.id}{f' --task {task}' if task else ''} --watch", f"{took:.1f} s after a save",
                     f"goal <= {goal:g} s: {missed(took, goal)}"))
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
