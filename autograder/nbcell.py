"""Autograded test cells of the report notebooks (nbgrader).

A test cell holds exactly::

    from autograder.nbcell import score
    score("a3_positional_encoding", task="2")

It prints, on stdout, the task's points out of its maximum and a one-line reason per failing
test (identical reasons once, with a count), and its value (the cell's ``execute_result``) is
the points as a number, which nbgrader reads as partial credit. Nothing goes to stderr: nbgrader
gives a cell with stderr output zero points. The whole suite runs once per kernel, through the
batch grader's isolated path, on the folder the notebook runs in (found by its
``assignment.toml``, whatever the folder is called); later cells reuse that result. Where the
sandbox cannot run (macOS, Windows, a machine without namespaces), the suite runs in the kernel
itself, and the first cell says so.

The notebook's kernel is the student's, so a determined student can tamper with what these
cells print. The source of truth is the batch grader (``python -m autograder grade``), which
runs outside any student process and writes the same grade ids into the gradebook.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .course import test_cell_grade_id  # noqa: F401 - where the notebook tests look for it
from .results import GRADER_ERROR, Report

_reports: dict[tuple[str, Path], Report] = {}
_notes: dict[tuple[str, Path], str] = {}

IN_KERNEL = ("(graded in this notebook's kernel: the isolated grader cannot run on this machine; "
             "the course's grader runs it isolated)")


def sandbox_possible() -> bool:
    """Whether this machine can run the isolated grader at all (Linux namespaces, fork server)."""
    return sys.platform.startswith("linux")


def _grade(assignment, folder: Path) -> tuple[Report, str]:
    """The report of ``folder``: isolated where the sandbox runs, else in this process (and a note)."""
    from . import check

    if sandbox_possible():
        try:
            from . import grade

            report = grade.grade_one(assignment, folder)
        except Exception:  # noqa: BLE001 - the sandbox could not start here: grade in the kernel
            report = None
        if report is not None and report.error_kind != GRADER_ERROR:
            return report, ""
    return check.run(assignment, folder), IN_KERNEL


def report(assignment_id: str, folder: str | Path = ".") -> Report:
    """The (cached) grade report of ``folder`` for ``assignment_id``."""
    from . import course

    key = (assignment_id, Path(folder).resolve())
    if key not in _reports:
        _reports[key], _notes[key] = _grade(course.get(assignment_id, near=key[1]), key[1])
    return _reports[key]


def summary(report: Report, task: str) -> str:
    """``Task k: x / y`` and one line per distinct failure reason of ``task``."""
    from .feedback import failure_groups

    tasks = {t.key: t for t in report.tasks()}
    if task not in tasks:
        return f"Task {task}: no tests found for this task" + (f" ({report.error})" if report.error else "")
    t = tasks[task]
    lines = [f"Task {task}: {t.earned:g} / {t.possible:g}" + (" (bonus)" if t.bonus else "")]
    if report.error:
        lines.append(f"  problem: {report.error}")
    for test, count in failure_groups(t.tests):
        reason = (test.message or test.outcome).splitlines()[0]
        times = f" ({count} tests)" if count > 1 else ""
        lines.append(f"  - {test.title}{times}: {reason}")
    return "\n".join(lines)


def score(assignment_id: str, task: str, folder: str | Path = ".") -> float:
    """Points earned in ``task`` (all its public and hidden tests) by the modules in ``folder``;
    prints the summary of the task on stdout.

    Under ``nbgrader autograde`` the points come from the grader in nbgrader's own process
    (``nbgrader_plugin.TrustedScores`` replaces this cell's output), so the kernel does not grade:
    it returns 0, which is also what a course without that preprocessor would record.
    """
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return 0.0
    result = report(assignment_id, folder)
    key = (assignment_id, Path(folder).resolve())
    note = _notes.pop(key, "")
    print(summary(result, task) + (f"\n{note}" if note else ""), flush=True)
    tasks = {t.key: t for t in result.tasks()}
    return round(tasks[task].earned, 3) if task in tasks else 0.0


def test_cell_source(assignment_id: str, task: str) -> str:
    """The exact source of the autograded test cell for ``task``."""
    return f'from autograder.nbcell import score\nscore("{assignment_id}", task="{task}")'
