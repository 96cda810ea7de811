"""Whole-course benchmark: nbgrader autograde vs ``grade`` on one mixed batch of all five assignments.

    .venv/bin/python benchmarks/course.py [--mutants K] [--only a2_contrastive,...] [--budget MIN] [--quick]

Per assignment the batch holds the reference solution, the skeleton, the mistakes of
``solutions/<id>/instructor/mutants.py`` (all of them, or ``--mutants K`` spread evenly over the
list), a submission whose import sleeps 3 s and one with a syntax error. Per assignment, in this
one run, ``grade`` (default workers) and then ``nbgrader autograde`` grade the same folders back to
back, and the scores are compared per submission; ``--budget`` starts no further assignment after
that many minutes (the table names the ones left out). While ``grade`` runs, a sampler reads the
proportional set size (PSS: shared pages split between the processes sharing them) of each worker
process and everything it started (fork server, sandboxed children) every 0.2 s: its peak is the
memory one worker needs, which ``autograder.batch.capacity.WORKER_MEMORY`` holds.

Prints a Markdown table and rewrites the ``course-results`` block of benchmarks/README.md after
each assignment (not with ``--quick``). Not part of the test suite.
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, make_mix, stamp, write_block as write_readme  # noqa: E402

from autograder import course, grade, release  # noqa: E402
from autograder.batch import capacity  # noqa: E402

class MemorySampler:
    """Peak PSS per grading worker (the worker and all its descendants), sampled in a thread."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak_worker = 0  # bytes, the largest worker tree seen
        self.peak_total = 0   # bytes, all worker trees together
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _pss(proc: psutil.Process) -> int:
        try:
            info = proc.memory_full_info()
            return getattr(info, "pss", 0) or info.rss
        except psutil.AccessDenied:
            return proc.memory_info().rss
        except psutil.NoSuchProcess:
            return 0

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(self.interval):
            total = 0
            for worker in me.children():
                try:
                    if "autograder.batch.worker" not in " ".join(worker.cmdline()):
                        continue
                    tree = [worker, *worker.children(recursive=True)]
                except psutil.NoSuchProcess:
                    continue
                size = sum(self._pss(p) for p in tree)
                self.peak_worker = max(self.peak_worker, size)
                total += size
            self.peak_total = max(self.peak_total, total)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def ours(a: course.Assignment, subs: Path, out: Path, sampler: MemorySampler) -> tuple[float, dict]:
    began = time.perf_counter()
    reports = grade.grade_batch(a, subs, out, force=True, progress=False)
    return time.perf_counter() - began, {s: r.earned for s, r in reports.items()}


def nbgrader_course(work: Path) -> Path:
    """An empty nbgrader course folder with the course's configuration."""
    root = work / "course"
    root.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    return root


def nbgrader_autograde(a: course.Assignment, subs: Path, root: Path) -> tuple[float, dict[str, float]]:
    """Release ``a`` in the course at ``root``, submit every folder of ``subs``, time ``nbgrader
    autograde`` alone; returns (seconds, {student: score})."""
    release.stage(a, root)
    nbgrader(root, "generate_assignment", a.id, "--force")
    released = root / "release" / a.id
    for folder in subs.iterdir():
        target = root / "build" / "nbgrader" / "submitted" / folder.name / a.id
        shutil.copytree(released, target)
        for module in a.modules:
            shutil.copy(folder / module, target / module)
    began = time.perf_counter()
    nbgrader(root, "autograde", a.id, "--force")
    seconds = time.perf_counter() - began
    out = root.parent / f"{a.id}.csv"
    nbgrader(root, "export", "--to", str(out))
    return seconds, {r["student_id"]: float(r["score"]) for r in csv.DictReader(out.open()) if r["assignment"] == a.id}


def nbgrader(root: Path, *args: str) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env, check=True,
                   capture_output=True, text=True)


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def compare(a: course.Assignment, subs: Path, work: Path, root: Path, sampler: MemorySampler) -> dict:
    """Grade ``subs`` with ``grade`` and then with ``nbgrader autograde`` (in the course at ``root``),
    back to back; returns {"n", "ours", "nbgrader" (seconds), "differ" (students whose scores differ),
    "load" (1-minute load average after the pair)}."""
    t, s_ours = ours(a, subs, work / "ours" / a.id, sampler)
    t_nb, s_nb = nbgrader_autograde(a, subs, root)
    differ = sorted(k for k in s_ours if k not in s_nb or abs(s_ours[k] - s_nb[k]) >= 1e-9)
    return {"n": len(s_ours), "ours": t, "nbgrader": t_nb, "differ": differ, "load": os.getloadavg()[0]}


def memory_table(sampler: MemorySampler) -> str:
    """Peak PSS of one worker and of all, how many workers fit, and the default worker count."""
    memory = psutil.virtual_memory()
    workers = capacity.default_workers()
    fit = int(memory.total // max(1, sampler.peak_worker))
    return "\n".join([
        "| memory | result |", "|---|---|",
        f"| peak PSS of one worker (worker, fork server, sandboxed child) | {gib(sampler.peak_worker)} |",
        f"| peak PSS of all {workers} workers together | {gib(sampler.peak_total)} |",
        f"| workers that fit in this machine's {gib(memory.total)} | {fit} |",
        f"| default workers here (`capacity.default_workers()`: cores, available memory / "
        f"{gib(capacity.WORKER_MEMORY)}) | {workers} |",
    ])


def speed_row(label: str, m: dict) -> tuple[str, ...]:
    n, t, t_nb = m["n"], m["ours"], m["nbgrader"]
    same = "yes" if not m["differ"] else f"no: {', '.join(m['differ'])}"
    return (label, str(n), f"{t_nb:.0f} s ({n / t_nb * 60:.1f}/min)", f"{t:.0f} s ({n / t * 60:.1f}/min)",
            f"{t_nb / t:.1f}x", same, f"{m['load']:.0f}" if "load" in m else "")


SPEED_HEADER = ["| assignment | submissions | nbgrader autograde | autograder grade | speed-up | same scores | load |",
                "|---|---|---|---|---|---|---|"]


def together(measured: list[dict]) -> dict:
    return {"n": sum(m["n"] for m in measured), "ours": sum(m["ours"] for m in measured),
            "nbgrader": sum(m["nbgrader"] for m in measured), "differ": [d for m in measured for d in m["differ"]]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mutants", type=int, default=None, help="mutants per assignment, spread evenly (default: all)")
    parser.add_argument("--only", default="", help="comma-separated assignment ids, in this order (default: all five)")
    parser.add_argument("--budget", type=float, default=0,
                        help="minutes: start no further assignment after this long (0: no limit)")
    parser.add_argument("--quick", action="store_true", help="a3 with one mutant, to try the harness")
    args = parser.parse_args()
    if args.quick:
        args.only, args.mutants = args.only or "a3_positional_encoding", 1
    chosen = [course.get(x) for x in args.only.split(",")] if args.only else course.assignments()
    began = time.monotonic()
    measured: dict[str, dict] = {}
    skipped: list[str] = []
    subset = "all mutants" if args.mutants is None else f"{args.mutants} mutant(s) spread evenly over the list"
    sampler = MemorySampler()
    with tempfile.TemporaryDirectory() as tmp, sampler:
        tmp = Path(tmp)
        root = nbgrader_course(tmp / "nb")
        for a in chosen:
            if args.budget and time.monotonic() - began > args.budget * 60:
                skipped.append(a.id)
                continue
            make_mix(a, tmp / "subs" / a.id, args.mutants)
            measured[a.id] = compare(a, tmp / "subs" / a.id, tmp, root, sampler)
            print(" | ".join(speed_row(a.id, measured[a.id])), flush=True)
            write_block(measured, skipped, sampler, subset, final=False, quick=args.quick)
    write_block(measured, skipped, sampler, subset, final=True, quick=args.quick)
    return 0


def write_block(measured: dict[str, dict], skipped, sampler, subset, *, final: bool, quick: bool) -> None:
    """Print the tables and rewrite the ``course-results`` block of the README (after each assignment,
    so that an interrupted run keeps what it measured)."""
    rows = [speed_row(k, m) for k, m in measured.items()]
    if measured:
        rows.append(speed_row("**together**", together(list(measured.values()))))
    table = "\n".join([*SPEED_HEADER, *(f"| {' | '.join(r)} |" for r in rows)])
    state = "" if final else " (run still in progress)"
    missing = f" Not measured (the run's time budget was spent): {', '.join(skipped)}." if skipped else ""
    block = (f"{stamp()}{state}. Per assignment: reference, skeleton, {subset}, a 3 s import, a syntax error; "
             f"`grade` then nbgrader, back to back; load: the 1-minute load average after the pair.{missing}"
             f"\n\n{table}\n\n{memory_table(sampler)}\n")
    if final:
        print(block)
    if not quick:
        write_readme("course-results", block)


if __name__ == "__main__":
    raise SystemExit(main())
