"""Whole-course benchmark: nbgrader autograde vs ``grade`` on one mixed batch of all five assignments.

    .venv/bin/python benchmarks/course.py [--mutants K] [--only a3_positional_encoding,...] [--quick]

Per assignment the batch holds the reference solution, the skeleton, the mistakes of
``solutions/<id>/instructor/mutants.py`` (all of them, or ``--mutants K`` spread evenly over the
list), a submission whose import sleeps 3 s and one with a syntax error. Both graders grade the
same folders in this one run, one assignment after the other; the scores are compared per
submission. While ``grade`` runs, a sampler reads the proportional set size (PSS: shared pages
split between the processes sharing them) of each worker process and everything it started (fork
server, sandboxed children) every 0.2 s: its peak is the memory one worker needs, and
``autograder.batch.capacity`` turns it into the default worker count.

Prints a Markdown table and rewrites the ``course-results`` block of benchmarks/README.md (not
with ``--quick``). Not part of the test suite.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder import course, grade, mutants, release  # noqa: E402
from autograder.batch import capacity  # noqa: E402

SLOW = "import time\ntime.sleep(3)\n"  # an import that takes a few seconds
CRASH = "def broken(:\n"  # a syntax error in the first graded module


def spread(items: list, k: int | None) -> list:
    """``k`` items spread evenly over ``items`` (all of them when ``k`` is None)."""
    if k is None or k >= len(items):
        return list(items)
    return [items[round(i * (len(items) - 1) / max(1, k - 1))] for i in range(k)] if k > 1 else items[:k]


def make_mix(a: course.Assignment, dest: Path, n_mutants: int | None) -> list[str]:
    """Write the mixed batch of ``a`` under ``dest`` (one folder per student); returns the kinds."""
    chosen = spread(mutants.load(a), n_mutants)
    kinds = ["reference", "skeleton", *[m.name for m in chosen], "slow", "crash"]
    by_name = {m.name: m for m in chosen}
    first = a.modules[0]
    for i, kind in enumerate(kinds):
        folder = dest / f"s{i:02d}_{kind}"
        if kind == "skeleton":
            mutants.copy_submission(a.skeleton_dir, folder)
        elif kind in by_name:
            mutants.apply(a, by_name[kind], folder)
        else:
            mutants.copy_submission(a.solution_dir, folder)
            module = folder / first
            if kind == "slow":
                module.write_text(SLOW + module.read_text())
            elif kind == "crash":
                module.write_text(CRASH + module.read_text())
    return kinds


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


def nbgrader_course(chosen: list[course.Assignment], subs: Path, work: Path) -> Path:
    """An nbgrader course folder with every chosen assignment released and its batch submitted."""
    root = work / "course"
    root.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    for a in chosen:
        release.stage(a, root)
        nbgrader(root, "generate_assignment", a.id, "--force")
        released = root / "release" / a.id
        for folder in (subs / a.id).iterdir():
            target = root / "build" / "nbgrader" / "submitted" / folder.name / a.id
            shutil.copytree(released, target)
            for module in a.modules:
                shutil.copy(folder / module, target / module)
    return root


def nbgrader(root: Path, *args: str) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env, check=True,
                   capture_output=True, text=True)


def nbgrader_scores(root: Path, work: Path) -> dict[tuple[str, str], float]:
    nbgrader(root, "export", "--to", str(work / "nbgrader.csv"))
    return {(r["assignment"], r["student_id"]): float(r["score"]) for r in csv.DictReader((work / "nbgrader.csv").open())}


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mutants", type=int, default=None, help="mutants per assignment, spread evenly (default: all)")
    parser.add_argument("--only", default="", help="comma-separated assignment ids (default: all five)")
    parser.add_argument("--quick", action="store_true", help="a3 with one mutant, to try the harness")
    args = parser.parse_args()
    if args.quick:
        args.only, args.mutants = args.only or "a3_positional_encoding", 1
    chosen = [course.get(x) for x in args.only.split(",")] if args.only else course.assignments()
    workers = capacity.default_workers()
    rows: list[tuple[str, ...]] = []
    t_ours_all = t_nb_all = 0.0
    n_all = 0
    all_same = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mixes = {a.id: make_mix(a, tmp / "subs" / a.id, args.mutants) for a in chosen}
        timings: dict[str, float] = {}
        scores: dict[tuple[str, str], float] = {}
        with MemorySampler() as sampler:
            for a in chosen:
                t, s = ours(a, tmp / "subs" / a.id, tmp / "ours" / a.id, sampler)
                timings[a.id] = t
                scores.update({(a.id, student): v for student, v in s.items()})
                print(f"ours {a.id}: {t:.0f} s for {len(mixes[a.id])}", flush=True)
        root = nbgrader_course(chosen, tmp / "subs", tmp / "nb")
        nb_timings: dict[str, float] = {}
        for a in chosen:
            began = time.perf_counter()
            nbgrader(root, "autograde", a.id, "--force")
            nb_timings[a.id] = time.perf_counter() - began
            print(f"nbgrader {a.id}: {nb_timings[a.id]:.0f} s", flush=True)
        nb_scores = nbgrader_scores(root, tmp / "nb")
    for a in chosen:
        n = len(mixes[a.id])
        keys = [k for k in scores if k[0] == a.id]
        diff = sorted(k[1] for k in keys if abs(scores[k] - nb_scores.get(k, float("nan"))) >= 1e-9
                      or k not in nb_scores)
        same = not diff
        all_same &= same
        t, t_nb = timings[a.id], nb_timings[a.id]
        t_ours_all, t_nb_all, n_all = t_ours_all + t, t_nb_all + t_nb, n_all + n
        rows.append((a.id, str(n), f"{t_nb:.0f} s ({n / t_nb * 60:.1f}/min)", f"{t:.0f} s ({n / t * 60:.1f}/min)",
                     f"{t_nb / t:.1f}x", "yes" if same else f"no: {', '.join(diff)}"))
    rows.append(("**whole course**", str(n_all), f"{t_nb_all:.0f} s ({n_all / t_nb_all * 60:.1f}/min)",
                 f"{t_ours_all:.0f} s ({n_all / t_ours_all * 60:.1f}/min)", f"**{t_nb_all / t_ours_all:.1f}x**",
                 "yes" if all_same else "no"))
    memory = psutil.virtual_memory()
    fit = int(memory.total // max(1, sampler.peak_worker))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, {gib(memory.total)} memory, "
               f"{platform.python_implementation()} {platform.python_version()}")
    subset = "all mutants" if args.mutants is None else f"{args.mutants} mutants per assignment, spread evenly over the list"
    table = "\n".join([
        "| assignment | submissions | nbgrader autograde | autograder grade | speed-up | same scores |",
        "|---|---|---|---|---|---|",
        *(f"| {' | '.join(r)} |" for r in rows),
    ])
    mem = "\n".join([
        "| memory | result |", "|---|---|",
        f"| peak PSS of one worker (worker, fork server, sandboxed child) | {gib(sampler.peak_worker)} |",
        f"| peak PSS of all {workers} workers together | {gib(sampler.peak_total)} |",
        f"| workers that fit in this machine's {gib(memory.total)} | {fit} |",
        f"| default workers here (`capacity.default_workers()`: cores, available memory / "
        f"{gib(capacity.WORKER_MEMORY)}) | {workers} |",
    ])
    block = (f"Commit `{commit}`, machine: {machine}, {time.strftime('%Y-%m-%d %H:%M')}; load average at the "
             f"end {os.getloadavg()[0]:.1f}. Batch per assignment: reference, skeleton, {subset}, a 3 s import, "
             f"a syntax error.\n\n{table}\n\n{mem}\n")
    print(block)
    readme = ROOT / "benchmarks" / "README.md"
    text = readme.read_text()
    start, end = "<!-- course-results -->", "<!-- /course-results -->"
    if start in text and end in text and not args.quick:
        readme.write_text(text[: text.index(start) + len(start)] + "\n" + block + text[text.index(end):])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
