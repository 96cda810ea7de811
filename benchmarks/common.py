"""What every benchmark script shares: where the project is, the mixed batch of submissions, the
in-process floor, and how a result block is stamped (commit, machine) and written into README.md."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "benchmarks" / "README.md"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder import course, mutants  # noqa: E402

SLOW = "import time\ntime.sleep(3)\n"  # an import that takes a few seconds
CRASH = "def broken(:\n"  # a syntax error in the first graded module


def commit() -> str:
    """The short commit the benchmark ran on, ``+dirty`` when tracked files other than the results
    (benchmarks/README.md, which the benchmarks rewrite as they go) had uncommitted changes."""
    git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()  # noqa: E731
    changed = [line for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
               if not line.endswith("benchmarks/README.md")]
    return git("rev-parse", "--short", "HEAD") + ("+dirty" if changed else "")


def machine() -> str:
    """Architecture, cores, memory and Python of this machine, in one line."""
    import psutil

    return (f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GiB memory, "
            f"{platform.python_implementation()} {platform.python_version()}")


def stamp() -> str:
    """``Commit `abc1234`, machine: ..., 2026-12-02 01:30`` (the first line of every result block)."""
    return f"Commit `{commit()}`, machine: {machine()}, {time.strftime('%Y-%m-%d %H:%M')}"


def write_block(name: str, block: str) -> bool:
    """Replace the text between ``<!-- name -->`` and ``<!-- /name -->`` in benchmarks/README.md;
    False (nothing written) when the markers are missing."""
    text = README.read_text()
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    if start not in text or end not in text:
        return False
    README.write_text(text[: text.index(start) + len(start)] + "\n" + block.rstrip("\n") + "\n" + text[text.index(end):])
    return True


def spread(items: list, k: int | None) -> list:
    """``k`` items spread evenly over ``items`` (all of them when ``k`` is None)."""
    if k is None or k >= len(items):
        return list(items)
    if k <= 1:
        return list(items[:k])
    return [items[round(i * (len(items) - 1) / (k - 1))] for i in range(k)]


def make_mix(a: course.Assignment, dest: Path, n_mutants: int | None = None, n: int | None = None) -> list[str]:
    """Write a mixed batch of ``a`` under ``dest``, one folder per student: the reference, the
    skeleton, the mutants of ``solutions/<id>/instructor/mutants.py`` (all, or ``n_mutants`` spread
    evenly), a submission whose import sleeps 3 s and one with a syntax error; with ``n``, the kinds
    repeat until there are ``n`` folders. Returns the kind of each folder, in order."""
    chosen = spread(mutants.load(a), n_mutants)
    kinds = ["reference", "skeleton", *[m.name for m in chosen], "slow", "crash"]
    kinds = [kinds[i % len(kinds)] for i in range(n)] if n else kinds
    by_name = {m.name: m for m in chosen}
    first = a.modules[0]
    for i, kind in enumerate(kinds):
        folder = dest / f"s{i:03d}_{kind}"
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


def floor(a: course.Assignment, subs: Path) -> float:
    """Seconds per submission for the same tests run in one warm process with no isolation (the
    floor any grader of these tests pays), over every folder of ``subs``. Runs in a fresh
    interpreter (benchmarks/floor.py) so that one assignment's modules never meet another's."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "floor.py"), a.id, str(subs)],
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"floor of {a.id} failed:\n{proc.stdout}{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds_per_submission"]
