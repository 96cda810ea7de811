"""Deliberately wrong variants of a reference solution ("mutants").

Each assignment lists, in ``solutions/<id>/instructor/mutants.py``, a ``MUTANTS`` list of
:class:`Mutant`: one classic mistake each, written as an exact text replacement in the
solution. The test suite grades every mutant and checks that it loses points exactly in the
tasks it names, with feedback that names the mistake; the demo grades them as sample
students. The ``instructor/`` folder never reaches students.
"""
from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from .course import TESTS_DIR, Assignment
from .generate import INSTRUCTOR_ONLY, SKIPPED_PARTS


@dataclass(frozen=True)
class Mutant:
    name: str                 # short id, used as the sample student's name
    mistake: str              # the mistake in words
    file: str                 # file in the assignment folder to edit
    old: str                  # exact text of the solution, must occur exactly once
    new: str                  # its replacement
    loses: tuple[str, ...]    # task keys that must lose points (all other tasks keep full marks)
    feedback: str             # text that must appear in the feedback of a lost task
    keeps_tests: tuple[str, ...] = ()  # test function names that must still pass


def load(assignment: Assignment) -> list[Mutant]:
    """The assignment's mutants (empty if it defines none)."""
    path = assignment.solution_dir / INSTRUCTOR_ONLY / "mutants.py"
    if not path.is_file():
        return []
    spec = importlib.util.spec_from_file_location(f"_mutants_{assignment.id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.MUTANTS)


def copy_submission(source: Path, dest: Path) -> Path:
    """Copy a solution or skeleton folder as a student would hand it in (no tests, no instructor files)."""
    ignore = shutil.ignore_patterns(TESTS_DIR, *SKIPPED_PARTS, "*.pyc")
    shutil.copytree(source, dest, ignore=ignore, dirs_exist_ok=True)
    return dest


def apply(assignment: Assignment, mutant: Mutant, dest: Path) -> Path:
    """Write the mutated solution to ``dest`` and return it."""
    copy_submission(assignment.solution_dir, dest)
    target = dest / mutant.file
    text = target.read_text()
    count = text.count(mutant.old)
    if count != 1:
        raise ValueError(f"mutant {mutant.name}: the text to replace occurs {count} times in {mutant.file}, expected once")
    target.write_text(text.replace(mutant.old, mutant.new))
    return dest
