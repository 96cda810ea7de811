"""Time limits of a grading run, derived from the reference solution's own times.

The one rule, for ``check`` and ``grade`` alike (:func:`assignment_test_limit`): each test of a
suite may take ``FACTOR`` times what the reference solution's slowest test took, and never less
than ``FLOOR_S`` (importing torch on a slow laptop, a busy grading machine). One number per suite,
because the sandbox limits a whole submission's calls with one ``Limits.test_s``: code that
passes the student's check in time also passes the grader in time. The reference's times are measured once by the
instructor (``python -m autograder timing <id>``, any machine: ``autograder.measure``) and kept, per test file, in
``tests/reference_times.json``, which is released with the public tests (file names and seconds
only: nothing about the hidden tests). Without it a test gets ``DEFAULT_S``.

The whole run's budget (:func:`budget`) is ``BUDGET_FACTOR`` times the reference's total time,
and at least ``BUDGET_FLOOR_S``: a submission that is merely slow still finishes, one that loops
in every test stops, and the student sees what is known by then.
"""
from __future__ import annotations

import json
from pathlib import Path

FACTOR = 10.0
FLOOR_S = 20.0
DEFAULT_S = 120.0
BUDGET_FACTOR = 5.0
BUDGET_FLOOR_S = 300.0
DEFAULT_BUDGET_S = 900.0
TIMES_FILE = "reference_times.json"


def test_limit(reference_s: float | None) -> float:
    """Seconds one test may take, given the reference solution's seconds for it (None: unknown)."""
    if reference_s is None:
        return DEFAULT_S
    return max(FLOOR_S, FACTOR * float(reference_s))


def reference_times(tests_dir: Path) -> dict[str, float]:
    """{test file name: seconds of its slowest test in the reference run} (empty if not measured)."""
    path = Path(tests_dir) / TIMES_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.get("slowest_test_s", {}).items()}


def assignment_test_limit(tests_dir: Path) -> float:
    """Seconds each test of the suite in ``tests_dir`` may take, in ``check`` and ``grade`` alike."""
    times = reference_times(tests_dir)
    return test_limit(max(times.values())) if times else DEFAULT_S


def budget(tests_dir: Path) -> float:
    """Seconds the whole suite may take on one submission."""
    path = Path(tests_dir) / TIMES_FILE
    try:
        total = json.loads(path.read_text())["total_s"]
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_BUDGET_S
    return max(BUDGET_FLOOR_S, BUDGET_FACTOR * float(total))
