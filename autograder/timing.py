"""Time limits of a grading run, derived from the reference solution's own times.

The one rule, for ``check`` and ``grade`` alike (:func:`test_limit`): a test may take ``FACTOR``
times what the reference solution took for it, and never less than ``FLOOR_S`` (importing torch
on a slow laptop, a busy grading machine). The reference's times are measured once by the
instructor (``python -m autograder timing <id>``, any machine) and kept, per test file, in
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


def limit_for(test_file: Path) -> float:
    """The limit of each test in ``test_file`` (looked up next to it, in ``tests/reference_times.json``)."""
    test_file = Path(test_file)
    return test_limit(reference_times(test_file.parent).get(test_file.name))


def assignment_test_limit(tests_dir: Path) -> float:
    """One limit for every test of a suite (for graders that take a single number): the largest."""
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


def measure(assignment) -> Path:
    """Run the full suite on the reference solution in this process; write ``reference_times.json``
    into the solution's ``tests/`` (regenerate the skeleton afterwards). Returns the file."""
    import time

    from . import check

    durations: dict[str, float] = {}

    class Stopwatch:
        def pytest_runtest_logreport(self, report):
            durations[report.nodeid] = durations.get(report.nodeid, 0.0) + report.duration

    began = time.monotonic()
    report = check.run(assignment, assignment.solution_dir, plugins=[Stopwatch()], progress=False,
                       test_timeout=0, budget=0)
    total = time.monotonic() - began
    if not report.full_marks:
        raise RuntimeError(f"the reference of {assignment.id} does not earn full marks: {report.error or 'tests fail'}")
    slowest: dict[str, float] = {}
    for nodeid, seconds in durations.items():
        name = nodeid.split("::")[0].rsplit("/", 1)[-1]
        slowest[name] = max(slowest.get(name, 0.0), seconds)
    path = assignment.solution_dir / "tests" / TIMES_FILE
    data = {"_": "written by `python -m autograder timing`: the reference solution's seconds (autograder/timing.py)",
            "total_s": round(total, 1), "slowest_test_s": {k: round(v, 2) for k, v in sorted(slowest.items())}}
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path
