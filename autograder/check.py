"""Run an assignment's test suite against one submission folder, in this process.

This is the student's local check (the student only cheats themselves). The batch grader
runs the same suite in an isolated child per submission.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from . import suite, timing
from . import submission as submission_mod
from .course import Assignment
from .pytest_plugin import GradeCollector, budget_ran_out
from .results import Report

INTERRUPTED = "you stopped the check (Ctrl-C)"
SLOW_S = 10  # a test still running after this long is named on the terminal
# pytest plugins of the environment that a grading run never uses; loading them (anyio with
# asyncio, xdist with execnet, platformdirs, junitxml) was about a third of pytest's start-up.
UNUSED_PLUGINS = ("-p", "no:anyio", "-p", "no:xdist", "-p", "no:xdist.looponfail", "-p", "no:platformdirs",
                  "-p", "no:junitxml")


class Progress:
    """One line per task on the terminal as soon as its last test has finished, and the name of a
    test that is still running after ``SLOW_S`` seconds."""

    def __init__(self, stream, label: str):
        self.stream, self.label = stream, label
        self.left: dict[str, int] = {}
        self.collector: GradeCollector | None = None
        self.began = time.monotonic()
        self.slow: threading.Timer | None = None

    def say(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.stream.write(text + "\n")
            self.stream.flush()

    def pytest_collection_finish(self, session):
        if self.collector is None:
            return
        for result in self.collector.results.values():
            self.left[result.task] = self.left.get(result.task, 0) + 1
        tasks = len(self.left)
        self.say(f"{self.label}: {len(self.collector.results)} tests in {tasks} task{'s' * (tasks != 1)} "
                 "(Ctrl-C stops and shows what is known)")

    def pytest_runtest_logstart(self, nodeid, location):
        result = self.collector.results.get(nodeid) if self.collector else None
        if result is not None:
            self.slow = threading.Timer(SLOW_S, self.say, [f"    still running after {SLOW_S:g} s: {result.title}"])
            self.slow.daemon = True
            self.slow.start()

    def pytest_runtest_logfinish(self, nodeid, location):
        if self.slow is not None:
            self.slow.cancel()
            self.slow = None
        result = self.collector.results.get(nodeid) if self.collector else None
        if result is None:
            return
        self.left[result.task] -= 1
        if self.left[result.task] == 0:
            tests = [t for t in self.collector.results.values() if t.task == result.task]
            earned, possible = sum(t.earned for t in tests), sum(t.points for t in tests)
            failed = sum(t.outcome != "passed" for t in tests)
            note = f"  ({failed} failed)" if failed else ""
            self.say(f"  Task {result.task:<4} {result.task_title[:40]:<40} {earned:>5g} / {possible:g}{note}"
                     f"   [{time.monotonic() - self.began:.0f} s]")


def run(assignment: Assignment, submission_dir: Path, *, hidden: bool = True, verbose: bool = False,
        extra_args: list[str] | None = None, test_timeout: float | None = None, budget: float | None = None,
        progress: bool = False, plugins: list | None = None, select: list[str] | None = None) -> Report:
    """Grade ``submission_dir`` with the assignment's tests (public + hidden when available).

    Each test is stopped after ``test_timeout`` seconds, or by default after the limit derived from
    the reference solution's time for it (:mod:`autograder.timing`; 0: never); the whole run after
    ``budget`` seconds (default: ``timing.budget``; 0: never). A stopped test fails alone ("took
    too long"); tests not reached by the budget, or after Ctrl-C, are "not run" and earn nothing,
    with the reason in ``report.error``. ``progress`` prints one line per finished task on stderr.
    Returns a :class:`Report`; the suite's own output is swallowed unless ``verbose``. Writes
    nothing into ``submission_dir`` (see ``pytest_plugin``). ``select`` replaces the suite folder on
    pytest's command line: paths and selection options (``selection.pytest_args``: one task, ``-k``);
    the report then holds only the selected tests.
    """
    tests = assignment.tests_dir(hidden=hidden)
    folder = Path(submission_dir).resolve()
    budget = timing.budget(tests) if budget is None else budget
    collector = GradeCollector()
    args = [
        *(select or [str(tests)]),
        f"--submission={folder}",
        f"--rootdir={tests}",
        "-p", "no:cacheprovider",
        *UNUSED_PLUGINS,
        "-o", "addopts=",
        "--import-mode=importlib",
        "-q",
        f"--time-budget={budget:g}",
        *([f"--test-timeout={test_timeout:g}"] if test_timeout is not None else ["--reference-limits"]),
        *(extra_args or []),
    ]
    extra = list(plugins or [])
    stderr = None
    if progress:
        # pytest captures file descriptor 2 while tests run: write to a copy of the terminal's.
        stderr = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1)
        reporter = Progress(stderr, f"checking {folder}")
        reporter.collector = collector
        extra.append(reporter)
    sink = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())
    config_seen, ctrl_c = [], []

    class _Config:
        def pytest_configure(self, config):
            config_seen.append(config)

        def pytest_keyboard_interrupt(self, excinfo):
            if excinfo.type is KeyboardInterrupt:  # not pytest's Interrupted (collection errors, a stop)
                ctrl_c.append(True)

    try:
        with suite.in_process(assignment), sink:
            code = pytest.main(args, plugins=[collector, _Config(), *extra])
    finally:
        submission_mod.forget(Path(m).stem for m in assignment.modules)
        from . import pytest_plugin
        pytest_plugin._loaded.clear()
        if stderr is not None:
            stderr.close()
    report = collector.report()
    report.assignment = assignment.id
    report.submission = str(folder)
    report.hidden_included = tests == assignment.solution_dir / "tests"
    stopped = ""
    if config_seen and budget_ran_out(config_seen[0]):
        stopped = f"the check stopped after its time budget of {budget:g} s"
    elif ctrl_c:
        stopped = INTERRUPTED
    if stopped:
        for t in report.tests:
            if t.outcome == "not run":
                t.message = f"not run: {stopped}"
        report.error = "; ".join(filter(None, [report.error, f"{stopped}: the tests not run yet earn nothing"]))
    elif code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and not report.error \
            and not (select and code == pytest.ExitCode.NO_TESTS_COLLECTED):  # a selection may match nothing
        report.error = f"the test suite did not run (pytest exit code {int(code)})"
    return report
