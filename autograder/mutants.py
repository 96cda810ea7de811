"""Edited copies of a reference solution: deliberate mistakes ("mutants") and correct variants.

Each assignment lists, in ``solutions/<id>/instructor/mutants.py``, a ``MUTANTS`` list of
:class:`Mutant`: one classic mistake each, written as an exact text replacement in the
solution. The test suite grades every mutant and checks that it loses points exactly in the
tasks it names, with feedback that names the mistake and its diagnosed cause; the demo grades
them as sample students.

``solutions/<id>/instructor/variants.py`` lists ``VARIANTS``: :class:`Variant` s, correct
implementations written differently from the reference (other attribute names or order,
another formula for the same values, functional style). The suite grades each and requires
full marks: a test that depends on structure the spec does not fix fails there.

The ``instructor/`` folder never reaches students.
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
    cause: str = ""           # text of the diagnosis (a "likely cause: ..." line) a lost task must show


@dataclass(frozen=True)
class Edit:
    file: str                 # file in the assignment folder to edit
    old: str                  # exact text of the solution, must occur exactly once
    new: str                  # its replacement


@dataclass(frozen=True)
class Variant:
    name: str                 # short id
    idea: str                 # how it differs from the reference, in words
    edits: tuple[Edit, ...]   # applied in order, each to the text left by the previous one


def _instructor_list(assignment: Assignment, filename: str, name: str) -> list:
    path = assignment.solution_dir / INSTRUCTOR_ONLY / filename
    if not path.is_file():
        return []
    spec = importlib.util.spec_from_file_location(f"_{path.stem}_{assignment.id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(getattr(module, name))


def load(assignment: Assignment) -> list[Mutant]:
    """The assignment's mutants (empty if it defines none)."""
    return _instructor_list(assignment, "mutants.py", "MUTANTS")


def load_variants(assignment: Assignment) -> list[Variant]:
    """The assignment's correct variants (empty if it defines none)."""
    return _instructor_list(assignment, "variants.py", "VARIANTS")


def copy_submission(source: Path, dest: Path) -> Path:
    """Copy a solution or skeleton folder as a student would hand it in (no tests, no instructor files)."""
    ignore = shutil.ignore_patterns(TESTS_DIR, *SKIPPED_PARTS, "*.pyc")
    shutil.copytree(source, dest, ignore=ignore, dirs_exist_ok=True)
    return dest


def _edit(folder: Path, edit: Edit | Mutant, who: str) -> None:
    target = folder / edit.file
    text = target.read_text()
    count = text.count(edit.old)
    if count != 1:
        raise ValueError(f"{who}: the text to replace occurs {count} times in {edit.file}, expected once")
    target.write_text(text.replace(edit.old, edit.new))


def apply(assignment: Assignment, mutant: Mutant, dest: Path) -> Path:
    """Write the mutated solution to ``dest`` and return it."""
    copy_submission(assignment.solution_dir, dest)
    _edit(dest, mutant, f"mutant {mutant.name}")
    return dest


def apply_variant(assignment: Assignment, variant: Variant, dest: Path) -> Path:
    """Write the variant of the solution to ``dest`` and return it."""
    copy_submission(assignment.solution_dir, dest)
    for edit in variant.edits:
        _edit(dest, edit, f"variant {variant.name}")
    return dest
