"""Grade one folder with its student code sandboxed: the isolated counterpart of ``check.run``.

The assignment's pytest suite runs here, in the trusted grader process, as ``suite.run`` (the same
run as the student's check): its ``submission`` fixture is a :class:`~.proxy.RemoteSubmission`
whose calls run in a sandboxed child (``session.Session``). Expected values, assertions and the
verdict never leave this process; what comes back from the child is plain data (``values``).

The :class:`Judge` plugin also charges each test's calls to the sandbox's per-test time and
rewrites the explanation of a failure caused by the sandbox (time limit, crash, ...) or raised by
student code in the child (adding the student's file and line, and which limit was hit).
"""
from __future__ import annotations

import atexit
import threading
import time
from pathlib import Path

import pytest

from .. import environment, suite
from ..selection import Selection
from ..course import Assignment
from ..explain import chain, first_leaf
from ..results import Report
from . import errors, fixture
from .forkserver import WarmSpawner
from .limits import Limits
from .proxy import RemoteSubmission
from .session import Session

_lock = threading.Lock()  # pytest.main is not re-entrant: one isolated run per process at a time
_spawner: WarmSpawner | None = None


def default_spawner() -> WarmSpawner:
    """This process's warm fork server (started on first use, stopped at exit)."""
    global _spawner
    if _spawner is None:
        _spawner = WarmSpawner()
        atexit.register(_spawner.close)
    return _spawner


class Judge:
    """The pytest plugin of one isolated run."""

    def __init__(self, session: Session):
        self.session = session
        self.proxy = RemoteSubmission(session, session.folder)

    def pytest_configure(self, config):
        config.stash[fixture.SESSION_KEY] = self
        config.pluginmanager.register(fixture, "autograder-sandbox-fixture")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        task = item.get_closest_marker("task")
        self.session.begin_test(str(task.args[0]) if task and task.args else "")
        try:
            return (yield)
        finally:
            self.session.end_test()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if call.excinfo is not None and report.failed:
            current = dict(report.user_properties).get("explanation", "")
            text = self.explain(call.excinfo.value, current)
            if text and text != current:
                report.user_properties.append(("explanation", text))
        return report

    def explain(self, exc: BaseException, current: str) -> str:
        """The sandbox's own reason, or ``current`` with the student's file/line and the limit hit."""
        leaf = first_leaf(exc)
        remote = None
        for link in chain(leaf):
            if isinstance(link, errors.SandboxError):
                return str(link)
            if remote is None and hasattr(link, "remote_type"):
                remote = link
        if remote is None:
            return current
        first, _, rest = current.partition("\n")
        where = getattr(remote, "remote_where", "")
        if where and remote is leaf and current.startswith("your code raised") and where not in first:
            first += f" ({where})"
        hint = errors.limit_hint(remote, self.session.limits)
        if hint and hint not in first:
            first += f": {hint}"
        return first + ("\n" + rest if rest else "")


MAX_EXAMPLES_ENV = environment.name("MAX_EXAMPLES")


def _hypothesis_examples() -> None:
    """``$DLCOURSE_MAX_EXAMPLES`` caps hypothesis examples per test (for the grader's own test
    suite, which grades hundreds of submissions; never set it for real grading)."""
    value = environment.get("MAX_EXAMPLES")
    if value:
        from hypothesis import settings

        settings.register_profile("grading-quick", parent=settings.get_profile("grading"), max_examples=int(value))
        settings.load_profile("grading-quick")


def grade(assignment: Assignment, folder: Path, *, limits: Limits | None = None, spawner=None,
          files: dict[str, bytes] | None = None, name: str | None = None, hidden: bool = True,
          isolate: str = "auto", select: Selection | None = None) -> tuple[Report, dict]:
    """Grade ``folder`` (or ``files``, its contents) with the assignment's tests, student code sandboxed.

    ``limits`` default to those of real grading (``Limits.for_suite``: per test, the check's rule).
    ``isolate="none"`` keeps the separate process, its limits and Landlock but skips namespaces
    (machines that allow none); ``isolate="userns"`` uses a user namespace even as root (what an
    unprivileged grader gets; for tests). ``select``: see ``suite.run``.
    Returns the report and ``{"isolation": mode, "events": [...], "seconds": s, "setup_failed": text}``:
    the isolation that took effect ("root", "userns" or "none") and what went wrong in the sandbox.
    Raises :class:`~.errors.GraderFault` when the grader's own processes failed during the run
    (no report: nothing about this submission is known).
    """
    began = time.monotonic()
    folder = Path(folder).resolve() if files is None else Path(folder)
    limits = limits or Limits.for_suite(assignment.tests_dir(hidden=hidden))
    with _lock:
        session = Session(spawner or default_spawner(), folder, assignment.modules, limits, files=files, name=name,
                          isolate=isolate, warm=assignment.warm)
        _hypothesis_examples()
        try:
            report, _code = suite.run(assignment, folder, hidden=hidden, plugins=[Judge(session)], select=select)
        finally:
            session.close()
    if session.fault is not None:
        raise session.fault
    if session.sticky is not None and session.sticky.whole_submission:
        report.error = str(session.sticky)
    info = {"isolation": session.mode or "not started", "events": list(session.events),
            "seconds": round(time.monotonic() - began, 3),
            "setup_failed": str(session.sticky) if isinstance(session.sticky, errors.SetupFailed) else ""}
    return report, info
