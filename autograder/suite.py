"""The one pytest run of an assignment's suite: every caller is a few lines on top of :func:`run`.

Three callers share it: the student's in-process check (``check.run``), the collection of the
tests a grade must list (``grade.expected_tests``, ``collect_only=True``) and the isolated
grading of one folder (``sandbox.judge``, whose plugin sends every call into the student's
code to a sandboxed child). So the pytest arguments, the in-process clean-up, the output capture
and the post-processing of the report are written here once, and the two grading paths cannot
drift apart.

In-process clean-up. With ``--import-mode=importlib`` pytest names a test module after its path
below ``--rootdir`` (the suite's ``tests/`` folder), so ``a1/tests/test_data.py`` and
``a5/tests/test_data.py`` are both ``test_data``, and pytest reuses a module already in
``sys.modules`` under that name. A second in-process run would then silently get the first
assignment's tests, markers and points. :func:`in_process` drops those modules (and the graded
modules, and the plugin's cache of loaded submissions) before and after each run and restores
``sys.path``, which pytest's ``pythonpath``/rootdir handling extends.

It also activates the grading plugin (``autograder.pytest_plugin``) for that one run, through
pytest's ``PYTEST_PLUGINS`` variable: the plugin is no entry point, so pytest runs that the
autograder did not start never see it.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from . import pytest_plugin
from . import submission as submission_mod
from .course import Assignment
from .results import Report
from .selection import Selection

PLUGIN = "autograder.pytest_plugin"

# The same arguments in every run. ``--tb=native``: pytest's own traceback formatting parses every
# file in the traceback and cost more than the grading itself; the student reads ``explain``'s
# message, and ``check -v`` shows the plain Python traceback. ``--capture=sys`` and the three
# plugins switched off: per-test file-descriptor juggling and hooks that only cost time (the
# sandboxed child's output never reaches this process anyway).
# pytest plugins of the environment that a grading run never uses; loading them (anyio with
# asyncio, xdist with execnet, platformdirs, junitxml) was about a third of pytest's start-up.
UNUSED_PLUGINS = ("-p", "no:anyio", "-p", "no:xdist", "-p", "no:xdist.looponfail", "-p", "no:platformdirs",
                  "-p", "no:junitxml")
ARGS = ("-p", "no:cacheprovider", "-p", "no:faulthandler", "-p", "no:unraisableexception",
        "-p", "no:threadexception", *UNUSED_PLUGINS, "-o", "addopts=", "--import-mode=importlib", "-q",
        "--capture=sys", "--tb=native")


def forget_suite_modules(assignment: Assignment) -> None:
    """Drop every module imported from the course's ``solutions/``/``assignments/`` folders or the suite."""
    roots = (str(assignment.root / "solutions") + "/", str(assignment.root / "assignments") + "/",
             str(assignment.tests_dir()) + "/")
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if path.startswith(roots):
            del sys.modules[name]


@contextlib.contextmanager
def in_process(assignment: Assignment) -> Iterator[None]:
    """Wrap one ``pytest.main`` call on ``assignment``'s suite so that it sees only its own modules
    and leaves none behind (the graded modules included: the next run imports them afresh)."""
    saved_path = list(sys.path)
    saved_plugins = os.environ.get("PYTEST_PLUGINS")
    os.environ["PYTEST_PLUGINS"] = ",".join(filter(None, [saved_plugins, PLUGIN]))
    forget_suite_modules(assignment)
    try:
        yield
    finally:
        sys.path[:] = saved_path
        if saved_plugins is None:
            os.environ.pop("PYTEST_PLUGINS", None)
        else:
            os.environ["PYTEST_PLUGINS"] = saved_plugins
        forget_suite_modules(assignment)
        submission_mod.forget(Path(m).stem for m in assignment.modules)
        pytest_plugin.forget_loaded()


class _Stops:
    """Whether the run was stopped on purpose (Ctrl-C, or a plugin's ``session.shouldstop`` such as
    the time budget): then the caller says why, and it is no failure of the suite itself."""

    on_purpose = False

    def pytest_keyboard_interrupt(self, excinfo):
        if excinfo.type is KeyboardInterrupt:  # not pytest's Interrupted (collection errors)
            self.on_purpose = True

    def pytest_sessionfinish(self, session):
        if session.shouldstop:
            self.on_purpose = True


def arguments(assignment: Assignment, folder: Path | None, *, hidden: bool = True, collect_only: bool = False,
              select: Selection | None = None, options: Sequence[str] = ()) -> list[str]:
    """The pytest command line of one run (see :func:`run`)."""
    tests = assignment.tests_dir(hidden=hidden)
    targets = [str(tests / path) for path in select.paths] if select is not None else [str(tests)]
    return [*(targets or [str(tests)]), *([f"--submission={folder}"] if folder is not None else []),
            f"--rootdir={tests}", *ARGS, *(["--collect-only"] if collect_only else []),
            *(select.options if select is not None else ()), *options]


def run(assignment: Assignment, folder: Path | None, *, hidden: bool = True, plugins: Sequence = (),
        collect_only: bool = False, select: Selection | None = None, options: Sequence[str] = (),
        quiet: bool = True) -> tuple[Report, int]:
    """Run ``assignment``'s suite (public + hidden when ``hidden`` and available) on ``folder`` in
    this process; returns the :class:`Report` and pytest's exit code.

    ``plugins``: pytest plugin objects for this run (the sandbox's judge, a progress line, a
    stopwatch). ``collect_only``: list the graded tests, run none (``folder`` may be None).
    ``select``: a :class:`~autograder.selection.Selection` (test files or node ids such as
    ``"test_x.py::test_y"``, and ``--task=K`` / ``-k EXPR``); the tests not selected are not in the report. ``options``: further
    pytest options (the grading plugin's ``--test-timeout``, ``--time-budget``). The suite's own
    output is swallowed when ``quiet``. The report names the assignment and the folder, says
    whether hidden tests were included, and carries an error when pytest could not run the suite
    at all (a run stopped on purpose, by Ctrl-C or ``--time-budget``, is left to the caller to explain). Writes nothing into ``folder`` (see ``pytest_plugin``).
    """
    tests = assignment.tests_dir(hidden=hidden)
    folder = Path(folder).resolve() if folder is not None else None
    collector = pytest_plugin.GradeCollector()
    args = arguments(assignment, folder, hidden=hidden, collect_only=collect_only, select=select, options=options)
    sink = contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext()
    stops = _Stops()
    with in_process(assignment), sink:
        code = pytest.main(args, plugins=[collector, stops, *plugins])
    report = collector.report()
    report.assignment = assignment.id
    report.submission = str(folder) if folder is not None else ""
    report.hidden_included = tests == assignment.solution_dir / "tests"
    ok = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) + ((pytest.ExitCode.NO_TESTS_COLLECTED,) if select else ())
    if code not in ok and not report.error and not stops.on_purpose:
        report.error = f"the test suite did not run (pytest exit code {int(code)})"
    return report, int(code)
