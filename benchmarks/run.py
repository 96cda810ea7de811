"""Grading benchmarks: throughput against nbgrader, the per-submission floor, student latency, scaling.

    python benchmarks/run.py [--n 40] [--scaling 10,40,160] [--quick]

Prints a Markdown table and rewrites the results block of benchmarks/README.md with the commit
and machine. Everything in one run, side by side, on the same submissions (a3_positional_encoding:
a realistic mix of reference, partially correct, skeleton, slow and crashing submissions).
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import floor, make_mix, stamp, write_block  # noqa: E402
from course import nbgrader_autograde, nbgrader_course  # noqa: E402
import latency  # noqa: E402

from autograder import course, grade  # noqa: E402
from autograder.batch import capacity  # noqa: E402

A3 = course.get("a3_positional_encoding")


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def ours(subs: Path, out: Path, workers: int | None = None) -> tuple[float, dict]:
    if out.exists():
        shutil.rmtree(out)
    seconds, reports = timed(grade.grade_batch, A3, subs, out, workers=workers, force=True, progress=False)
    return seconds, {s: r.earned for s, r in reports.items()}


def breakdown(runs: int) -> list[tuple[str, str, str]]:
    """Where the per-submission cost beyond the floor goes (``sandbox_overhead.measure``)."""
    from sandbox_overhead import measure

    m = measure(runs)
    iso, local = m["grade reference, iso"], m["grade reference, local"]
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    return [
        ("breakdown: sandbox start, warm fork server", ms(m["sandbox start, warm"]),
         "fork, namespaces, new root, limits, import the submission, one call"),
        ("breakdown: sandbox start, cold interpreter", ms(m["sandbox start, cold"]),
         f"{m['sandbox start, cold'] / m['sandbox start, warm']:.0f}x warm: importing torch per submission"),
        ("breakdown: sandbox start, no namespaces", ms(m["sandbox start, no ns"]), "separate process + limits only"),
        ("breakdown: one call grader -> child -> grader", f"{m['round trip'] * 1e6:.0f} us", "serialization and pipes"),
        ("breakdown: reference, in process vs sandboxed", f"{ms(local)} vs {ms(iso)}",
         f"isolation adds {ms(iso - local)} to the whole suite (no data loading or training in a3)"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--scaling", default="10,40,160")
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the harness")
    args = parser.parse_args()
    if args.quick:
        args.n, args.scaling = 10, "5,10"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subs = tmp / "subs"
        make_mix(A3, subs, n=args.n)
        t_ours, s_ours = ours(subs, tmp / "ours")
        t_nb, s_nb = nbgrader_autograde(A3, subs, nbgrader_course(tmp / "nb"))
        same = all(abs(s_ours[s] - s_nb[s]) < 1e-9 for s in s_ours)
        rows.append(("throughput, nbgrader autograde", f"{args.n / t_nb * 60:.1f} submissions/min", f"{t_nb:.0f} s for {args.n}"))
        rows.append(("throughput, autograder grade (default workers)", f"{args.n / t_ours * 60:.1f} submissions/min",
                     f"{t_nb / t_ours:.1f}x nbgrader; same scores: {same}"))
        per_sub = t_ours / args.n
        t_floor = floor(A3, subs)
        rows.append(("floor: same tests, one warm process, no isolation", f"{t_floor:.2f} s/submission", ""))
        workers = capacity.default_workers()  # grade_batch's default
        rows.append(("our cost per submission (wall / N)", f"{per_sub:.2f} s/submission",
                     f"{per_sub / t_floor:.2f}x the floor ({workers} workers)"))
        rows.append(("our cost per submission and worker (wall x workers / N)", f"{per_sub * workers:.2f} s/submission",
                     f"{per_sub * workers / t_floor:.2f}x the floor: what one core spends per submission"))
        rows.extend(breakdown(3 if args.quick else 10))
        for n in [int(x) for x in args.scaling.split(",")]:
            mix = tmp / f"mix{n}"
            make_mix(A3, mix, n=n)
            for workers in (1, 2):
                t, _ = ours(mix, tmp / f"out{n}_{workers}", workers=workers)
                rows.append((f"scaling: N={n}, {workers} worker(s)", f"{t:.1f} s", f"{t / n:.2f} s/submission"))
    for a in course.assignments():
        rows.append(latency.measure(a, 3, tasks=False)[0])

    table = "\n".join(["| measurement | result | note |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows)])
    block = f"{stamp()}.\n\n{table}\n"
    print(block)
    if not args.quick:
        write_block("results", block)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
