"""The main job on the embedded default: release every assignment and grade its bundled samples.

Samples per assignment (made fresh from the one source): ``reference`` (the solution),
``skeleton`` (the untouched student version) and a student per classic mistake, for a few of the
mutants (:func:`demo_mutants`).
Writes ``<out>/grades/<assignment>/grades.csv``, per-student feedback and the class insights page
(``insights/insights.html``), prints the tables and each page's path.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from . import course, generate, grade, insights, mutants, release


def make_samples(assignment: course.Assignment, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    mutants.copy_submission(assignment.solution_dir, dest / "reference")
    mutants.copy_submission(assignment.skeleton_dir, dest / "skeleton")
    for m in demo_mutants(assignment):
        mutants.apply(assignment, m, dest / f"mistake_{m.name}")
    return dest


DEMO_MUTANTS = 8  # per assignment: the demo grades in minutes; the suite grades every mutant


def demo_mutants(assignment: course.Assignment) -> list:
    """A few mutants per assignment: the first of each task they cost points in, then more in list
    order, up to :data:`DEMO_MUTANTS` (every mutant is graded by ``tests/test_mutants.py``)."""
    every = mutants.load(assignment)
    chosen, tasks = [], set()
    for m in every:
        if not set(m.loses) <= tasks:
            chosen.append(m)
            tasks |= set(m.loses)
    chosen += [m for m in every if m not in chosen]
    return chosen[:DEMO_MUTANTS]


def main(out: Path) -> int:
    status = 0
    for a in course.assignments():
        problems = generate.drift(a)
        if problems:
            print(f"!! assignments/{a.id} is out of date: run `python -m autograder generate`", *problems, sep="\n   ")
            status = 1
        print(f"released {release.build(a).relative_to(a.root)}/ (nbgrader generate_assignment)")
        samples = make_samples(a, out / "samples" / a.id)
        reports = grade.grade_batch(a, samples, out / "grades" / a.id, force=True)
        print(f"\n== {a.id}: {a.title}")
        print(grade.table(reports))
        print(f"class insights: {insights.build_quietly(a, out / 'grades' / a.id, samples)}")
        if not reports["reference"].full_marks or reports["skeleton"].earned != 0:
            print("!! the reference must earn full marks and the skeleton zero")
            status = 1
    print(f"\ngrades and feedback: {out / 'grades'}")
    return status
