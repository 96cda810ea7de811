"""Issue 16's goals, all measured in one run on one machine, written as one table.

    .venv/bin/python benchmarks/goals.py [--mutants K] [--a3-mutants K] [--runs R] [--quick]

1. What a student waits for (``latency.measure``): ``check <id>`` on the reference, cold then the
   median of ``--runs`` warm runs, and ``check <id> --task K`` for every task.
2. Per assignment, one mixed batch (``common.make_mix``: reference, skeleton, mutants, a 3 s import,
   a syntax error; a3 with ``--a3-mutants``, default all of its mutants, the others with
   ``--mutants``, default 3, spread evenly over the list) graded back to back by ``grade`` (default
   workers) and ``nbgrader autograde`` (``course.compare``), scores compared per submission, and
   the floor: the same submissions graded by ``check.run`` in one warm process with no isolation
   (``common.floor``).
3. From these: the whole-course speed-up (all batches together), a3's alone, our cost per
   submission and core (wall time x workers / submissions) against the floor, and the bound on the
   speed-up that the floor sets (workers x nbgrader's seconds per submission / the floor's).

Rewrites the ``goals`` block of benchmarks/README.md after every step (so an interrupted run keeps
what it measured; the block then says it is incomplete); ``--quick`` (a3 only, one mutant, one warm
run) tries the harness and writes nothing. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import latency
from common import floor, make_mix, stamp, write_block
from course import SPEED_HEADER, MemorySampler, compare, memory_table, nbgrader_course, speed_row, together

from autograder import course
from autograder.batch import capacity

GOAL_COURSE, GOAL_A3, GOAL_FLOOR = 20.0, 10.0, 1.2
A3 = "a3_positional_encoding"


def verdict(ok: bool, text: str) -> str:
    return "met" if ok else f"missed: {text}"


def watch_summary(watch: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The `check --watch` rows in two lines: whole checks and one-task checks after a save."""
    rows = []
    for label, goal, pick in (("whole", latency.GOAL_CHECK_S, lambda r: "--task" not in r[0]),
                              ("--task K", latency.GOAL_TASK_S, lambda r: "--task" in r[0])):
        times = [(r[0].removeprefix("check ").removesuffix(" --watch"), float(r[1].split()[0]))
                 for r in watch if pick(r)]
        if times:
            worst = max(times, key=lambda x: x[1])
            n_ok = sum(t <= goal for _, t in times)
            rows.append((f"(not a goal of the issue) `check --watch`, {label}: from a save to the new report <= {goal:g} s",
                         f"{n_ok} of {len(times)} within; slowest {worst[0]} {worst[1]:.1f} s",
                         verdict(n_ok == len(times), f"by {max(0, worst[1] - goal):.1f} s")))
    return rows


def goals_table(lat: list[tuple[str, str, str]], measured: dict[str, dict], workers: int,
                watch: list[tuple[str, str, str]] = ()) -> str:
    rows = []
    warm = [(r[0].split()[1], float(r[1].split("warm ")[1].rstrip(" s"))) for r in lat if "--task" not in r[0]]
    tasks = [(r[0].removeprefix("check "), float(r[1].rstrip(" s"))) for r in lat if "--task" in r[0]]
    if warm:
        worst = max(warm, key=lambda x: x[1])
        n_ok = sum(s <= latency.GOAL_CHECK_S for _, s in warm)
        rows.append(("`check` warm <= 5 s for every assignment", f"{n_ok} of {len(warm)} within; slowest {worst[0]} {worst[1]:.1f} s",
                     verdict(n_ok == len(warm), f"by {max(0, worst[1] - latency.GOAL_CHECK_S):.1f} s")))
    if tasks:
        worst = max(tasks, key=lambda x: x[1])
        n_ok = sum(s <= latency.GOAL_TASK_S for _, s in tasks)
        fastest = min(tasks, key=lambda x: x[1])
        rows.append(("`check --task K` <= 3 s for every task",
                     f"{n_ok} of {len(tasks)} within; fastest {fastest[0]} {fastest[1]:.1f} s, slowest {worst[0]} {worst[1]:.1f} s",
                     verdict(n_ok == len(tasks), f"by {max(0, worst[1] - latency.GOAL_TASK_S):.1f} s")))
    rows += watch_summary(list(watch))
    if measured:
        whole = together(list(measured.values()))
        ratio = whole["nbgrader"] / whole["ours"]
        label = "whole course" if len(measured) == 5 else f"{len(measured)} of 5 assignments"
        rows.append((f"batch >= {GOAL_COURSE:g}x nbgrader autograde, whole course", f"{ratio:.1f}x ({label}, {whole['n']} submissions)",
                     verdict(ratio >= GOAL_COURSE, f"{ratio / GOAL_COURSE:.2f} of the goal")))
    if A3 in measured:
        m = measured[A3]
        ratio = m["nbgrader"] / m["ours"]
        rows.append((f"batch >= {GOAL_A3:g}x nbgrader autograde, a3 alone", f"{ratio:.1f}x ({m['n']} submissions)",
                     verdict(ratio >= GOAL_A3, f"{ratio / GOAL_A3:.2f} of the goal")))
    floored = {k: m for k, m in measured.items() if "floor" in m}
    if floored:
        per_core = sum(m["ours"] * workers for m in floored.values())
        at_floor = sum(m["floor"] * m["n"] for m in floored.values())
        rows.append((f"cost per submission and core <= {GOAL_FLOOR:g}x the in-process floor",
                     f"{per_core / at_floor:.2f}x over all batches (per assignment below)",
                     verdict(per_core / at_floor <= GOAL_FLOOR, f"{per_core / at_floor:.2f}x against {GOAL_FLOOR:g}x")))
    return "\n".join(["| goal | measured | verdict |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows)])


def batch_table(measured: dict[str, dict], workers: int) -> str:
    lines = [SPEED_HEADER[0].removesuffix(" |") + " | floor (s/submission) | ours per core (s/submission) | ours / floor | "
             "speed-up bound (workers x nbgrader / floor) |",
             SPEED_HEADER[1] + "---|---|---|---|"]
    for k, m in measured.items():
        extra = ("", "", "", "")
        if "floor" in m:
            core = m["ours"] * workers / m["n"]
            bound = workers * m["nbgrader"] / m["n"] / m["floor"]
            extra = (f"{m['floor']:.2f}", f"{core:.2f}", f"{core / m['floor']:.2f}x", f"{bound:.1f}x")
        lines.append(f"| {' | '.join(speed_row(k, m))} | {' | '.join(extra)} |")
    if measured:
        lines.append(f"| {' | '.join(speed_row('**together**', together(list(measured.values()))))} |  |  |  |  |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mutants", type=int, default=3, help="mutants per assignment other than a3, spread evenly")
    parser.add_argument("--a3-mutants", type=int, default=None, help="mutants of a3 (default: all)")
    parser.add_argument("--runs", type=int, default=2, help="warm runs per check")
    parser.add_argument("--quick", action="store_true", help="a3 only, one mutant, one warm run; writes nothing")
    args = parser.parse_args()
    chosen = [course.get(A3)] if args.quick else course.assignments()
    if args.quick:
        args.a3_mutants, args.runs = 1, 1
    workers = capacity.default_workers()
    load_before = os.getloadavg()[0]
    began = time.monotonic()
    lat: list[tuple[str, str, str]] = []
    watch: list[tuple[str, str, str]] = []
    measured: dict[str, dict] = {}
    sampler = MemorySampler()

    def write(final: bool) -> None:
        state = "" if final else " **(incomplete: the run stopped or is still going)**"
        subsets = (f"a3: reference, skeleton, {'all' if args.a3_mutants is None else args.a3_mutants} of its mutants, "
                   f"a 3 s import, a syntax error; the others the same with {args.mutants} mutants spread evenly over the list")
        block = (f"{stamp()}{state}; {workers} workers; 1-minute load average {load_before:.1f} before, "
                 f"{os.getloadavg()[0]:.1f} now; {(time.monotonic() - began) / 60:.0f} minutes.\n\n"
                 f"{goals_table(lat, measured, workers, watch)}\n\n"
                 f"Batches ({subsets}); `grade` then `nbgrader autograde` on the same folders, back to back:\n\n"
                 f"{batch_table(measured, workers)}\n\n{memory_table(sampler)}\n\n"
                 f"`check` on the reference (cold, then the median of {args.runs} warm runs; `--watch`: the median of "
                 f"{args.runs} saves, from the save to the end of the new report):\n\n{latency.table(lat + watch)}\n")
        print(block if final else f"[{(time.monotonic() - began) / 60:.0f} min] step done", flush=True)
        if not args.quick:
            write_block("goals", block)

    for a in chosen:
        lat += latency.measure(a, args.runs)
        watch += latency.watch_rows(a, args.runs)
        write(False)
    with tempfile.TemporaryDirectory() as tmp, sampler:
        tmp = Path(tmp)
        root = nbgrader_course(tmp / "nb")
        for a in chosen:
            subs = tmp / "subs" / a.id
            make_mix(a, subs, args.a3_mutants if a.id == A3 else args.mutants)
            measured[a.id] = compare(a, subs, tmp, root, sampler)
            measured[a.id]["floor"] = floor(a, subs)
            write(False)
    write(True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
