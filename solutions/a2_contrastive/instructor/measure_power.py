"""Measure the detection power of the property tests' example counts (FEW in tests/).

Run from the repository root:  .venv/bin/python solutions/a2_contrastive/instructor/measure_power.py
For every mutant (instructor/mutants.py) it runs, in process, the property tests marked
``max_examples=FEW`` with 30 derandomized examples (the grading profile), then FEW derandomized,
5 derandomized and 10 random examples for the mutants that fail one of them with 30, and prints the
tests that miss a mutant they catch with 30. FEW is right when its line says "none". About 3 min on a quiet
machine (measured for FEW = 10: "none" for 10, 5 and 10 random examples).
"""
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from hypothesis import settings

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE.parents[1]))
from autograder import course, mutants, suite  # noqa: E402
from autograder.selection import Selection  # noqa: E402

FEW = int(re.search(r"^FEW = min\((\d+),", (HERE / "tests" / "test_info_nce_loss.py").read_text(), re.M).group(1))

with tempfile.TemporaryDirectory() as root:
    # A copy of the assignment without the tests' own example counts, so that each profile below decides them.
    copy_dir = Path(root) / "solutions" / HERE.name
    shutil.copytree(HERE, copy_dir)
    names = []
    for f in sorted((copy_dir / "tests").glob("test_*.py")):
        text = f.read_text()
        names += re.findall(r"max_examples=FEW\)\n(?:@.*\n)*def (test_\w+)", text)
        f.write_text(text.replace("@settings(quick_failures, max_examples=FEW)\n", "@quick_failures\n"))
    os.environ["DLCOURSE_ROOT"] = root
    assignment = next(a for a in course.assignments() if a.id == HERE.name)
    print(f"FEW = {FEW}; tests: {', '.join(names)}", flush=True)
    runs = {"30": dict(max_examples=30), str(FEW): dict(max_examples=FEW), "5": dict(max_examples=5),
            "r10": dict(max_examples=10, derandomize=False)}
    failed = {}
    for run, changes in runs.items():
        settings.register_profile(f"grading-{run}", parent=settings.get_profile("grading"), **changes)
        os.environ["HYPOTHESIS_PROFILE"] = f"grading-{run}"
        for mutant in mutants.load(assignment):
            if run != "30" and not failed["30"][mutant.name]:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                folder = mutants.apply(assignment, mutant, Path(tmp) / mutant.name)
                report, _ = suite.run(assignment, folder, select=Selection((".",), ("-k", " or ".join(names))))
            failed.setdefault(run, {})[mutant.name] = {t.id.split("::")[-1] for t in report.tests
                                                       if t.outcome != "passed"}
        if run == "30":
            print("30 examples: " + "; ".join(f"{m}: {sorted(t)}" for m, t in failed[run].items() if t), flush=True)
            continue
        missed = {m: sorted(failed["30"][m] - got) for m, got in failed[run].items() if failed["30"][m] - got}
        print(f"{run} examples: tests that miss a mutant they catch with 30: {missed or 'none'}", flush=True)
