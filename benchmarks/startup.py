"""Start-up of `python -m autograder check`: what it imports, and how long, in two source trees.

    .venv/bin/python benchmarks/startup.py BEFORE_TREE [AFTER_TREE] [--runs 3]

Each tree is a folder holding ``autograder/`` and ``solutions/`` (for instance ``git archive <commit>
autograder solutions assignments | tar -x -C DIR``; AFTER_TREE defaults to this checkout). Runs
``python -X importtime -m autograder check a3_positional_encoding --submission <reference> -q`` in
each tree, alternately (so both share the machine's noise), and prints per tree: the median wall
time, the modules imported, the summed import time, and the modules only one tree imports.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CMD = ["-X", "importtime", "-m", "autograder", "check", "a3_positional_encoding", "-q"]


def once(tree: Path, extra: list[str]) -> tuple[float, dict[str, int]]:
    began = time.perf_counter()
    proc = subprocess.run([sys.executable, *CMD, "--submission", str(tree / "solutions" / "a3_positional_encoding"),
                           *extra], cwd=tree, capture_output=True, text=True)
    wall = time.perf_counter() - began
    modules = {}
    for line in proc.stderr.splitlines():
        if line.startswith("import time:"):
            self_us, _, name = _split(line)
            if name:
                modules[name] = self_us
    return wall, modules


def _split(line: str) -> tuple[int, int, str]:
    self_us, cumulative, name = line[len("import time:"):].split("|")
    if not self_us.strip().isdigit():
        return 0, 0, ""
    return int(self_us), int(cumulative), name.strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path, nargs="?", default=ROOT)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--task", default=None, help="also pass --task K (the after tree only knows it)")
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    walls: dict[str, list[float]] = {k: [] for k in trees}
    seen: dict[str, dict[str, int]] = {}
    for _ in range(args.runs):
        for label, tree in trees.items():
            wall, modules = once(tree, [])
            walls[label].append(wall)
            seen[label] = {name: us for name, us in modules.items() if name}
    for label in trees:
        mods = seen[label]
        print(f"{label}: wall median {statistics.median(walls[label]):.1f} s over {args.runs} runs "
              f"({', '.join(f'{w:.1f}' for w in walls[label])}); {len(mods)} modules, "
              f"{sum(mods.values()) / 1e6:.2f} s summed import time")
    gone = sorted(set(seen["before"]) - set(seen["after"]))
    print(f"imported before only: {len(gone)} modules, {sum(seen['before'][m] for m in gone) / 1e6:.2f} s "
          f"(top-level: {', '.join(sorted({m.split('.')[0] for m in gone}))})")
    new = sorted(set(seen["after"]) - set(seen["before"]))
    print(f"imported after only: {len(new)} modules: {', '.join(new[:20])}")
    if args.task:
        task_walls = []
        for _ in range(args.runs):
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "autograder", "check", "a3_positional_encoding", "-q", "--submission",
                            str(trees["after"] / "solutions" / "a3_positional_encoding"), "--task", args.task],
                           cwd=trees["after"], capture_output=True)
            task_walls.append(time.perf_counter() - began)
        print(f"after, check --task {args.task}: wall median {statistics.median(task_walls):.1f} s "
              f"({', '.join(f'{w:.1f}' for w in task_walls)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
