"""Autograded test cells of the report notebooks (nbgrader).

A test cell holds exactly::

    from autograder.nbcell import score
    score("a3_positional_encoding", task="2")

and its only output is the task's points as a number, which nbgrader reads as partial
credit (any stderr output would zero the cell, so nothing else is printed). The whole suite
runs once per kernel, through the batch grader's isolated path, on the folder the notebook
runs in; later cells reuse that result.

The notebook's kernel is the student's, so a determined student can tamper with what these
cells print. The source of truth is the batch grader (``python -m autograder grade``), which
runs outside any student process and writes the same grade ids into the gradebook.
"""
from __future__ import annotations

import os
from pathlib import Path

from .results import Report

_reports: dict[tuple[str, Path], Report] = {}


def report(assignment_id: str, folder: str | Path = ".") -> Report:
    """The (cached) grade report of ``folder`` for ``assignment_id``."""
    from . import course, grade

    key = (assignment_id, Path(folder).resolve())
    if key not in _reports:
        _reports[key] = grade.grade_one(course.get(assignment_id), key[1])
    return _reports[key]


def score(assignment_id: str, task: str, folder: str | Path = ".") -> float:
    """Points earned in ``task`` (all its public and hidden tests) by the modules in ``folder``.

    Under ``nbgrader autograde`` the points come from the grader in nbgrader's own process
    (``nbgrader_plugin.TrustedScores`` replaces this cell's output), so the kernel does not grade:
    it returns 0, which is also what a course without that preprocessor would record.
    """
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return 0.0
    tasks = {t.key: t for t in report(assignment_id, folder).tasks()}
    return round(tasks[task].earned, 3) if task in tasks else 0.0


def test_cell_grade_id(task: str) -> str:
    """nbgrader grade id of the autograded cell of ``task``."""
    return f"tests_task{task}"


def test_cell_source(assignment_id: str, task: str) -> str:
    """The exact source of the autograded test cell for ``task``."""
    return f'from autograder.nbcell import score\nscore("{assignment_id}", task="{task}")'
