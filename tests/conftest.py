"""Shared fixtures for the project's own tests (not the assignment suites)."""
from __future__ import annotations

import pytest

from autograder import grade, mutants
from cases import ASSIGNMENTS


@pytest.fixture(scope="session")
def reference_reports():
    """{assignment id: Report of the reference solution}, graded once per session."""
    return {a.id: grade.grade_one(a, a.solution_dir) for a in ASSIGNMENTS}


@pytest.fixture(scope="session")
def skeleton_reports(tmp_path_factory):
    """{assignment id: Report of the untouched skeleton}, graded once per session."""
    out = {}
    for a in ASSIGNMENTS:
        folder = mutants.copy_submission(a.skeleton_dir, tmp_path_factory.mktemp(a.id))
        out[a.id] = grade.grade_one(a, folder)
    return out
