"""The student's check: an assignment's suite against one folder, student code in this process.

The student only cheats themselves, so nothing is sandboxed here. The pytest run is
``suite.run``, the one the isolated grader (``sandbox.judge``) runs too, with the same per-test
limit; the check adds a time budget for the whole run, a progress line per task and Ctrl-C.
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from pathlib import Path

from . import suite, timing
from .course import Assignment
from .pytest_plugin import GradeCollector, budget_ran_out
from .results import Report
from .selection import Selection

INTERRUPTED = "you stopped the check (Ctrl-C)"
SLOW_S = 10  # a test still running after this long is named on the terminal


class Progress(GradeCollector):
    """One line per task on the terminal as soon as its last test has finished, and the name of a
    test that is still running after ``SLOW_S`` seconds (it collects the results it reports)."""

    def __init__(self, stream, label: str):
        super().__init__()
        self.stream, self.label = stream, label
        self.left: dict[str, int] = {}
        self.began = time.monotonic()
        self.slow: threading.Timer | None = None

    def say(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.stream.write(text + "\n")
            self.stream.flush()

    def pytest_collection_finish(self, session):
        for result in self.results.values():
            self.left[result.task] = self.left.get(result.task, 0) + 1
        tasks = len(self.left)
        self.say(f"{self.label}: {len(self.results)} tests in {tasks} task{'s' * (tasks != 1)} "
                 "(Ctrl-C stops and shows what is known)")

    def pytest_runtest_logstart(self, nodeid, location):
        result = self.results.get(nodeid)
        if result is not None:
            self.slow = threading.Timer(SLOW_S, self.say, [f"    still running after {SLOW_S:g} s: {result.title}"])
            self.slow.daemon = True
            self.slow.start()

    def pytest_runtest_logfinish(self, nodeid, location):
        if self.slow is not None:
            self.slow.cancel()
            self.slow = None
        result = self.results.get(nodeid)
        if result is None:
            return
        self.left[result.task] -= 1
        if self.left[result.task] == 0:
            tests = [t for t in self.results.values() if t.task == result.task]
            earned, possible = sum(t.earned for t in tests), sum(t.points for t in tests)
            failed = sum(t.outcome != "passed" for t in tests)
            note = f"  ({failed} failed)" if failed else ""
            self.say(f"  Task {result.task:<4} {result.task_title[:40]:<40} {earned:>5g} / {possible:g}{note}"
                     f"   [{time.monotonic() - self.began:.0f} s]")


def run(assignment: Assignment, submission_dir: Path, *, hidden: bool = True, verbose: bool = False,
        extra_args: list[str] | None = None, test_timeout: float | None = None, budget: float | None = None,
        progress: bool = False, plugins: list | None = None, select: Selection | None = None) -> Report:
    """Grade ``submission_dir`` with the assignment's tests (public + hidden when available).

    Each test is stopped after ``test_timeout`` seconds, or by default after the limit the batch
    grader uses too (:func:`autograder.timing.assignment_test_limit`; 0: never); the whole run after
    ``budget`` seconds (default: ``timing.budget``; 0: never). A stopped test fails alone ("took
    too long"); tests not reached by the budget, or after Ctrl-C, are "not run" and earn nothing,
    with the reason in ``report.error``. ``progress`` prints one line per finished task on stderr.
    ``select`` runs only some tests (a :class:`~autograder.selection.Selection`, from
    ``selection.choose``: one task's files and ``--task=K``, or ``-k EXPR``): the report then holds only
    the selected tests.
    ``extra_args`` are further pytest options.
    Returns a :class:`Report`; the suite's own output is swallowed unless ``verbose``. Writes
    nothing into ``submission_dir``.
    """
    tests = assignment.tests_dir(hidden=hidden)
    folder = Path(submission_dir).resolve()
    budget = timing.budget(tests) if budget is None else budget
    options = [f"--time-budget={budget:g}",
               *([f"--test-timeout={test_timeout:g}"] if test_timeout is not None else ["--reference-limits"]),
               *(extra_args or [])]
    extra = list(plugins or [])
    stderr = None
    if progress:
        # Written to a copy of the terminal's descriptor 2: pytest redirects the stream while tests run.
        stderr = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1)
        extra.append(Progress(stderr, f"checking {folder}"))
    watch = _Stops()
    try:
        report, _code = suite.run(assignment, folder, hidden=hidden, plugins=[watch, *extra], select=select,
                                  options=options, quiet=not verbose)
    finally:
        if stderr is not None:
            stderr.close()
    stopped = ""
    if watch.config is not None and budget_ran_out(watch.config):
        stopped = f"the check stopped after its time budget of {budget:g} s"
    elif watch.ctrl_c:
        stopped = INTERRUPTED
    if stopped:
        for t in report.tests:
            if t.outcome == "not run":
                t.message = f"not run: {stopped}"
        report.error = "; ".join(filter(None, [report.error, f"{stopped}: the tests not run yet earn nothing"]))
    return report


class _Stops:
    """What stopped the run early: the time budget (read from the config) or Ctrl-C."""

    def __init__(self):
        self.config = None
        self.ctrl_c = False

    def pytest_configure(self, config):
        self.config = config

    def pytest_keyboard_interrupt(self, excinfo):
        if excinfo.type is KeyboardInterrupt:  # not pytest's Interrupted (collection errors, a stop)
            self.ctrl_c = True
