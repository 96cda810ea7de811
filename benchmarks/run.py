"""Grading benchmarks: throughput against nbgrader, the per-submission floor, student latency, scaling.

    python benchmarks/run.py [--n 40] [--scaling 10,40,160] [--quick]

Prints a Markdown table and rewrites the results block of benchmarks/README.md with the commit
and machine. Everything in one run, side by side, on the same submissions (a3_positional_encoding:
a realistic mix of reference, partially correct, skeleton, slow and crashing submissions).
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from autograder import check, course, grade, mutants, release  # noqa: E402
from autograder.batch import capacity  # noqa: E402

A3 = course.get("a3_positional_encoding")
SLOW = "import time\ntime.sleep(3)\n"  # an import that takes a few seconds
CRASH = "def positional_encoding(n_tokens, dim)\n"  # syntax error


def make_mix(dest: Path, n: int) -> Path:
    """n submissions cycling through: reference, skeleton, each mutant, one slow import, one syntax error."""
    kinds = ["reference", "skeleton", *[m.name for m in mutants.load(A3)], "slow", "crash"]
    by_name = {m.name: m for m in mutants.load(A3)}
    for i in range(n):
        kind = kinds[i % len(kinds)]
        folder = dest / f"s{i:03d}_{kind}"
        if kind == "skeleton":
            mutants.copy_submission(A3.skeleton_dir, folder)
        elif kind in by_name:
            mutants.apply(A3, by_name[kind], folder)
        else:
            mutants.copy_submission(A3.solution_dir, folder)
            module = folder / "positional_encoding.py"
            if kind == "slow":
                module.write_text(SLOW + module.read_text())
            elif kind == "crash":
                module.write_text(CRASH + module.read_text())
    return dest


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def ours(subs: Path, out: Path, workers: int | None = None) -> tuple[float, dict]:
    if out.exists():
        shutil.rmtree(out)
    seconds, reports = timed(grade.grade_batch, A3, subs, out, workers=workers, force=True, progress=False)
    return seconds, {s: r.earned for s, r in reports.items()}


def nbgrader_autograde(subs: Path, work: Path) -> tuple[float, dict]:
    root = work / "course"
    root.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    release.stage(A3, root)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "MPLBACKEND": "Agg"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "nbgrader", *a], cwd=root, env=env, check=True,  # noqa: E731
                                    capture_output=True, text=True)
    run("generate_assignment", A3.id, "--force")
    released = root / "release" / A3.id
    for folder in subs.iterdir():
        target = root / "build" / "nbgrader" / "submitted" / folder.name / A3.id
        shutil.copytree(released, target)
        for module in A3.modules:
            shutil.copy(folder / module, target / module)
    seconds, _ = timed(run, "autograde", A3.id, "--force")
    run("export", "--to", str(work / "nbgrader.csv"))
    scores = {r["student_id"]: float(r["score"]) for r in csv.DictReader((work / "nbgrader.csv").open())}
    return seconds, scores


def floor(subs: Path) -> float:
    """Seconds per submission for the same tests in one warm process, no isolation."""
    folders = sorted(p for p in subs.iterdir() if "slow" not in p.name)
    check.run(A3, folders[0])  # warm-up
    seconds, _ = timed(lambda: [check.run(A3, f) for f in folders])
    return seconds / len(folders)


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


def check_latency(assignment: course.Assignment) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "autograder", "check", assignment.id, "--submission", str(assignment.solution_dir), "-q"]
    for cache in assignment.solution_dir.rglob("__pycache__"):
        shutil.rmtree(cache)
    cold, _ = timed(subprocess.run, cmd, capture_output=True)
    warm = statistics.median(timed(subprocess.run, cmd, capture_output=True)[0] for _ in range(3))
    return cold, warm


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
        subs = make_mix(tmp / "subs", args.n)
        t_ours, s_ours = ours(subs, tmp / "ours")
        t_nb, s_nb = nbgrader_autograde(subs, tmp / "nb")
        same = all(abs(s_ours[s] - s_nb[s]) < 1e-9 for s in s_ours)
        rows.append(("throughput, nbgrader autograde", f"{args.n / t_nb * 60:.1f} submissions/min", f"{t_nb:.0f} s for {args.n}"))
        rows.append(("throughput, autograder grade (default workers)", f"{args.n / t_ours * 60:.1f} submissions/min",
                     f"{t_nb / t_ours:.1f}x nbgrader; same scores: {same}"))
        per_sub = t_ours / args.n
        t_floor = floor(subs)
        rows.append(("floor: same tests, one warm process, no isolation", f"{t_floor:.2f} s/submission", ""))
        workers = capacity.default_workers()  # grade_batch's default
        rows.append(("our cost per submission (wall / N)", f"{per_sub:.2f} s/submission",
                     f"{per_sub / t_floor:.2f}x the floor ({workers} workers)"))
        rows.append(("our cost per submission and worker (wall x workers / N)", f"{per_sub * workers:.2f} s/submission",
                     f"{per_sub * workers / t_floor:.2f}x the floor: what one core spends per submission"))
        rows.extend(breakdown(3 if args.quick else 10))
        for n in [int(x) for x in args.scaling.split(",")]:
            mix = make_mix(tmp / f"mix{n}", n)
            for workers in (1, 2):
                t, _ = ours(mix, tmp / f"out{n}_{workers}", workers=workers)
                rows.append((f"scaling: N={n}, {workers} worker(s)", f"{t:.1f} s", f"{t / n:.2f} s/submission"))
    for a in course.assignments():
        cold, warm = check_latency(a)
        rows.append((f"check {a.id} (reference)", f"cold {cold:.1f} s, warm {warm:.1f} s", "goal: warm < 10 s"))

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}"
    table = "\n".join(["| measurement | result | note |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows)])
    block = f"Commit `{commit}`, machine: {machine}, {time.strftime('%Y-%m-%d')}.\n\n{table}\n"
    print(block)
    readme = ROOT / "benchmarks" / "README.md"
    text = readme.read_text()
    start, end = "<!-- results -->", "<!-- /results -->"
    if start in text and end in text and not args.quick:
        readme.write_text(text[: text.index(start) + len(start)] + "\n" + block + text[text.index(end):])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
