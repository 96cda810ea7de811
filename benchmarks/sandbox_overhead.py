"""What isolation costs per submission, with and without the warm fork server.

    .venv/bin/python benchmarks/sandbox_overhead.py [--runs N]

Rows (median of N runs, seconds):
  sandbox start, warm     fork from the warm server, namespaces + new root + limits, import the
                          submission, one call, kill: the per-submission overhead of isolation
  sandbox start, cold     the same from a fresh interpreter that imports torch first (no fork server)
  sandbox start, no ns    warm, but isolate="none" (separate process, limits, Landlock; no namespaces)
  round trip              one call of a small function in the sandbox (grader -> child -> grader)
  grade reference, local  check.run: the whole a3 suite in process (no isolation)
  grade reference, iso    judge.grade: the same suite, student code sandboxed (warm server)
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from autograder import check, course
from autograder.sandbox import judge, proxy, session
from autograder.sandbox.forkserver import ColdSpawner
from autograder.sandbox.limits import Limits


def start_once(spawner, folder: Path, isolate: str = "auto") -> float:
    began = time.perf_counter()
    s = session.Session(spawner, folder, ["mod.py"], Limits(), isolate=isolate)
    assert proxy.RemoteSubmission(s, folder).f(2) == 4
    s.close()
    return time.perf_counter() - began


def median(fn, runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def measure(runs: int = 10) -> dict[str, float]:
    """{row: median seconds} for the rows in this module's docstring."""
    folder = Path(tempfile.mkdtemp()) / "student"
    folder.mkdir()
    (folder / "mod.py").write_text("import torch\n\ndef f(x):\n    return 2 * x\n")
    warm = judge.default_spawner()
    start_once(warm, folder)  # start the fork server (paid once per worker)
    rows = {
        "sandbox start, warm": median(lambda: start_once(warm, folder), runs),
        "sandbox start, cold": median(lambda: start_once(ColdSpawner(), folder), max(3, runs // 3)),
        "sandbox start, no ns": median(lambda: start_once(warm, folder, "none"), runs),
    }
    s = session.Session(warm, folder, ["mod.py"], Limits())
    sub = proxy.RemoteSubmission(s, folder)
    f = sub.f
    f(1)
    began = time.perf_counter()
    for _ in range(1000):
        f(1)
    rows["round trip"] = (time.perf_counter() - began) / 1000
    s.close()
    a3 = course.get("a3_positional_encoding")
    check.run(a3, a3.solution_dir)
    rows["grade reference, local"] = median(lambda: _timed(lambda: check.run(a3, a3.solution_dir)), max(3, runs // 3))
    rows["grade reference, iso"] = median(lambda: _timed(lambda: judge.grade(a3, a3.solution_dir)[0]), max(3, runs // 3))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    for name, seconds in measure(parser.parse_args().runs).items():
        print(f"{name:<26} {seconds * 1000:9.1f} ms")


def _timed(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
