"""Run an assignment's test suite against one submission folder, in this process.

This is the student's local check (the student only cheats themselves). The batch grader
runs the same function in an isolated child per submission.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from . import suite
from . import submission as submission_mod
from .course import Assignment
from .pytest_plugin import GradeCollector
from .results import Report


TEST_TIMEOUT_S = 300  # per test; a test that hits it fails alone ("took too long")


def run(assignment: Assignment, submission_dir: Path, *, hidden: bool = True, verbose: bool = False,
        extra_args: list[str] | None = None, test_timeout: float = TEST_TIMEOUT_S) -> Report:
    """Grade ``submission_dir`` with the assignment's tests (public + hidden when available).

    Each test is stopped after ``test_timeout`` seconds (see ``--test-timeout`` in the plugin: an
    endless Python loop is interrupted and only that test fails). Returns a :class:`Report`; the suite's own
    output is swallowed unless ``verbose``.
    """
    tests = assignment.tests_dir(hidden=hidden)
    collector = GradeCollector()
    args = [
        str(tests),
        f"--submission={Path(submission_dir).resolve()}",
        f"--rootdir={tests}",
        "-p", "no:cacheprovider",
        "-o", "addopts=",
        "--import-mode=importlib",
        "-q",
        f"--test-timeout={test_timeout:g}",
        *(extra_args or []),
    ]
    sink = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())
    try:
        with suite.in_process(assignment), sink:
            code = pytest.main(args, plugins=[collector])
    finally:
        submission_mod.forget(Path(m).stem for m in assignment.modules)
        from . import pytest_plugin
        pytest_plugin._loaded.clear()
    report = collector.report()
    report.assignment = assignment.id
    report.submission = str(submission_dir)
    report.hidden_included = tests == assignment.solution_dir / "tests"
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and not report.error:
        report.error = f"the test suite did not run (pytest exit code {int(code)})"
    return report
