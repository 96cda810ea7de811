"""Shared fixtures for the project's own tests (not the assignment suites)."""
from __future__ import annotations

import pytest

from autograder import grade, mutants
from cases import ASSIGNMENTS


class _LazyReports(dict):
    """{assignment id: Report}, each graded on first use (so a test worker grades only what it needs)."""

    def __init__(self, make):
        super().__init__()
        self._make = make
        self._by_id = {a.id: a for a in ASSIGNMENTS}

    def __missing__(self, assignment_id):
        self[assignment_id] = report = self._make(self._by_id[assignment_id])
        return report


@pytest.fixture(scope="session")
def reference_reports():
    """Reports of the reference solutions."""
    return _LazyReports(lambda a: grade.grade_one(a, a.solution_dir))


@pytest.fixture(scope="session")
def skeleton_reports(tmp_path_factory):
    """Reports of the untouched skeletons (copied as a student would hand them in)."""
    return _LazyReports(lambda a: grade.grade_one(a, mutants.copy_submission(a.skeleton_dir, tmp_path_factory.mktemp(a.id))))
