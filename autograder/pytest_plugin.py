"""pytest plugin that turns an assignment's test suite into a grader.

Markers (declared next to each test):
    @pytest.mark.points(2)                 -- what the test is worth (required)
    @pytest.mark.hidden                    -- graded only, never released (inside a HIDDEN TESTS region)
    pytestmark = pytest.mark.task("2", "Positional encoding", bonus=False)   -- the task it belongs to

Fixture:
    submission -- the graded modules of the folder under test (``--submission DIR``, default:
                  the folder that holds the ``tests/`` directory).

Options:
    --submission DIR      folder to grade
    --grade-json PATH     write the :class:`~autograder.results.Report` as JSON
    --test-timeout S      stop each test after S seconds
    --reference-limits    stop each test after the limit derived from the reference's own times
                          (``autograder.timing.assignment_test_limit``: the limit ``grade`` uses)
    --time-budget S       stop the whole run after S seconds; the tests not run earn nothing
    --task K              run only the tests of task K (``autograder.selection``)

Scope: this plugin is active only in grading runs. It is not a ``pytest11`` entry point (that would
switch every pytest run in the environment to the grading profile and claim every fixture named
``submission``); the autograder passes it explicitly (``suite.in_process``) and each assignment's
``tests/conftest.py`` loads it with ``pytest_plugins``, so ``pytest`` run inside an assignment
folder grades too. While active it loads the ``grading`` hypothesis profile, keeps hypothesis's
files in a temporary folder and writes no bytecode: grading leaves the graded folder as it was.
While the tests run, torch (if the suite imported it) uses one thread: no test file needs to
say so.
"""
from __future__ import annotations

import ctypes
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from . import submission as submission_mod
from .course import CONFIG_NAME, TESTS_DIR
from .explain import explain
from .results import Report, TestResult

settings.register_profile(
    "grading",
    derandomize=True,  # the same submission always gets the same grade
    database=None,
    deadline=None,  # timing on shared machines is noise; the per-test timeout bounds time
    max_examples=30,
    # No "explain" phase: its notes on which parts of a failing input vary are not shown to students,
    # and it re-runs each failing property test many times (its saving is not measured yet).
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
GRADING_PROFILES = "grading"  # profiles whose name starts with this are left loaded (e.g. "grading-quick")

_MARKERS = (
    "points(n): points a test is worth in an assignment suite",
    "hidden: graded but never released to students",
    "task(key, title, bonus=False): the assignment task a test belongs to",
)


def pytest_addoption(parser):
    group = parser.getgroup("autograder")
    group.addoption("--submission", default=None, help="submission folder to grade")
    group.addoption("--grade-json", default=None, help="write the grade report as JSON here")
    group.addoption("--test-timeout", type=float, default=0, help="stop a test after this many seconds (0: never)")
    group.addoption("--reference-limits", action="store_true",
                    help="stop each test after the limit derived from the reference's time (unless --test-timeout)")
    group.addoption("--time-budget", type=float, default=0, help="stop the whole run after this many seconds (0: never)")
    group.addoption("--task", default=None, help="run only the tests of this task (its key, e.g. 2)")


_STATE = pytest.StashKey[dict]()


def pytest_configure(config):
    for line in _MARKERS:
        config.addinivalue_line("markers", line)
    path = config.getoption("grade_json")
    if path:
        config.pluginmanager.register(GradeCollector(Path(path)), "autograder-json-collector")
    from hypothesis import configuration

    state = {
        "profile": settings.get_current_profile_name(),
        "bytecode": sys.dont_write_bytecode,
        "hypothesis_home": configuration.__dict__.get("__hypothesis_home_directory"),
        "scratch": tempfile.TemporaryDirectory(prefix="autograder-hypothesis-"),
        "began": time.monotonic(),
        "budget_hit": False,
    }
    config.stash[_STATE] = state
    if not state["profile"].startswith(GRADING_PROFILES):
        settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "grading"))
    configuration.set_hypothesis_home_dir(state["scratch"].name)
    sys.dont_write_bytecode = True


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """One torch thread while the tests run (torch is imported by then if the suite uses it): the
    tensors of a test are small, threads only add overhead, more so on a busy machine, and the
    sandbox gives each submission one thread anyway. Restored when the run ends."""
    state = session.config.stash.get(_STATE, None)
    torch = sys.modules.get("torch")
    if state is not None and torch is not None and "threads" not in state:
        state["threads"] = torch.get_num_threads()
        torch.set_num_threads(1)


def pytest_unconfigure(config):
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    torch = sys.modules.get("torch")
    if torch is not None and "threads" in state:
        torch.set_num_threads(state["threads"])
    from hypothesis import configuration

    settings.load_profile(state["profile"])
    configuration.set_hypothesis_home_dir(state["hypothesis_home"])
    sys.dont_write_bytecode = state["bytecode"]
    state["scratch"].cleanup()


def budget_ran_out(config) -> bool:
    """Whether this run was stopped by ``--time-budget``."""
    state = config.stash.get(_STATE, None)
    return bool(state and state["budget_hit"])


def _assignment_dir(test_file: Path) -> Path:
    """The assignment folder of a test file: the parent of the nearest ``tests/`` folder."""
    for parent in test_file.parents:
        if parent.name == TESTS_DIR and (parent.parent / CONFIG_NAME).is_file():
            return parent.parent
    raise pytest.UsageError(f"{test_file} is not inside <assignment>/{TESTS_DIR}/")


_loaded: dict[Path, submission_mod.Submission] = {}


def forget_loaded() -> None:
    """Forget the submissions loaded by earlier runs in this process (``suite.in_process``)."""
    _loaded.clear()


@pytest.fixture(scope="module")
def submission(request) -> submission_mod.Submission:
    import tomllib

    assignment_dir = _assignment_dir(Path(request.module.__file__))
    chosen = request.config.getoption("submission")
    folder = Path(chosen).resolve() if chosen else assignment_dir.resolve()
    if folder not in _loaded:
        modules = tomllib.loads((assignment_dir / CONFIG_NAME).read_text())["modules"]
        _loaded[folder] = submission_mod.load(folder, modules)
    return _loaded[folder]


def test_metadata(item) -> dict:
    """Points, task and visibility of a collected test item."""
    points = item.get_closest_marker("points")
    task = item.get_closest_marker("task")
    doc = (getattr(item.function, "__doc__", None) or "").strip().splitlines()
    return {
        "points": float(points.args[0]) if points else 0.0,
        "task": str(task.args[0]) if task else "?",
        "task_title": (task.args[1] if task and len(task.args) > 1 else ""),
        "bonus": bool(task.kwargs.get("bonus", False)) if task else False,
        "hidden": item.get_closest_marker("hidden") is not None,
        "title": (doc[0] if doc else item.name) + (f" [{item.callspec.id}]" if hasattr(item, "callspec") else ""),
    }


def pytest_collection_modifyitems(config, items):
    missing = [
        item.nodeid
        for item in items
        if "submission" in getattr(item, "fixturenames", ())
        and not (item.get_closest_marker("points") and item.get_closest_marker("task"))
    ]
    if missing:
        raise pytest.UsageError("graded tests need @pytest.mark.points and a task marker: " + ", ".join(missing))
    problems = _undeclared_tasks(items)
    if problems:
        raise pytest.UsageError("task markers disagree with assignment.toml's [[tasks]]: " + "; ".join(problems[:5]))
    task = config.getoption("task")
    if task:
        keep = [item for item in items if _task_key(item) == task]
        if len(keep) < len(items):
            config.hook.pytest_deselected(items=[item for item in items if _task_key(item) != task])
            items[:] = keep


def _task_key(item) -> str:
    mark = item.get_closest_marker("task")
    return str(mark.args[0]) if mark and mark.args else "?"


def _undeclared_tasks(items) -> list[str]:
    """Where a test's task marker names a task ``assignment.toml`` does not declare, or repeats its
    title or bonus flag differently (only for assignments that declare their tasks)."""
    import tomllib

    from .course import ConfigError, read_tasks

    declared: dict[Path, dict] = {}
    problems: list[str] = []
    for item in items:
        marker = item.get_closest_marker("task")
        if marker is None or not marker.args:
            continue
        folder = _assignment_dir(Path(str(item.fspath)))
        if folder not in declared:
            config = folder / CONFIG_NAME
            try:
                declared[folder] = {t.id: t for t in read_tasks(tomllib.loads(config.read_text()), config)}
            except (ConfigError, ValueError) as exc:
                raise pytest.UsageError(str(exc)) from None
        tasks = declared[folder]
        if not tasks:
            continue
        key = str(marker.args[0])
        task = tasks.get(key)
        where = Path(str(item.fspath)).name
        if task is None:
            problems.append(f"{where} marks task {key!r}, which is not declared (declared: {', '.join(tasks)})")
        elif len(marker.args) > 1 and marker.args[1] != task.title:
            problems.append(f"{where} titles task {key!r} {marker.args[1]!r}, assignment.toml {task.title!r}")
        elif "bonus" in marker.kwargs and bool(marker.kwargs["bonus"]) != task.bonus:
            problems.append(f"{where} says task {key!r} bonus={marker.kwargs['bonus']}, assignment.toml {task.bonus}")
    return list(dict.fromkeys(problems))


class TestTimeout(BaseException):
    """Raised in a test that ran past its time limit.

    A BaseException so neither student code (``except Exception``) nor hypothesis (which would
    shrink, re-running the endless example) swallows it.
    """


class Alarm:
    """Raise ``TestTimeout(text)`` in the calling thread after ``seconds``, unless cancelled first.

    Portable (Linux, macOS, Windows; any thread): a timer thread sets an asynchronous exception
    on the waiting thread (``PyThreadState_SetAsyncExc``) instead of relying on SIGALRM. It lands
    at the next Python bytecode, so an endless Python loop stops at once; a single long call into
    C (a huge matrix product) stops when it returns.
    """

    def __init__(self, seconds: float, text: str):
        self.thread_id = threading.get_ident()
        self.error = type("TestTimeout", (TestTimeout,), {"__init__": lambda e, *a: TestTimeout.__init__(e, text)})
        self.lock = threading.Lock()
        self.fired = self.done = False
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True

    def _fire(self) -> None:
        with self.lock:
            if not self.done:
                self.fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.thread_id), ctypes.py_object(self.error))

    def __enter__(self) -> "Alarm":
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        # Never withdraw a pending exception with SetAsyncExc(NULL): CPython would leave its
        # "pending" flag set and run every later bytecode through the slow path. If the alarm
        # fired as the test ended, let the exception land here instead.
        try:
            with self.lock:
                self.done = True
            self.timer.cancel()
            if self.fired:
                for _ in range(1000):
                    pass
        except TestTimeout:
            pass


def _time_limit(item) -> float:
    """This test's limit in seconds (0: none): ``--test-timeout``, else the reference-derived one."""
    fixed = item.config.getoption("test_timeout")
    if fixed:
        return fixed
    if item.config.getoption("reference_limits"):
        from . import timing

        return timing.assignment_test_limit(Path(str(item.fspath)).parent)
    return 0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    state = item.config.stash.get(_STATE, None)
    seconds, text = _time_limit(item), ""
    if seconds:
        text = f"Timeout >{seconds:g}s"
    budget = item.config.getoption("time_budget")
    if budget and state is not None:
        left = budget - (time.monotonic() - state["began"])
        if left <= 0 or state["budget_hit"]:
            state["budget_hit"] = True
            item.session.shouldstop = "the time budget ran out"
            left = 0.001
        if not seconds or left < seconds:
            seconds, text = left, f"Timeout >{budget:g}s in all (the check's whole time budget ran out)"
    if not seconds:
        return (yield)
    try:
        with Alarm(seconds, text):
            return (yield)
    except TestTimeout:  # delivered just as the test ended, outside the test itself
        return True
    finally:
        if state is not None and budget and time.monotonic() - state["began"] >= budget:
            state["budget_hit"] = True
            item.session.shouldstop = "the time budget ran out"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception):
        chosen = item.config.getoption("submission")
        folder = Path(chosen) if chosen else None
        if folder is None:
            try:
                folder = _assignment_dir(Path(item.fspath))
            except pytest.UsageError:
                folder = None
        text = explain(call.excinfo.value, call.excinfo.tb, folder)
        report.user_properties.append(("explanation", text))
    return report


class GradeCollector:
    """Collects one :class:`TestResult` per graded test; writes JSON at the end if given a path."""

    def __init__(self, json_path: Path | None = None):
        self.json_path = json_path
        self.results: dict[str, TestResult] = {}
        self.errors: list[str] = []
        self.submission = ""
        self.assignment = ""

    @pytest.hookimpl(trylast=True)  # after every deselection (``-k``, ``--task``): only the tests that run
    def pytest_collection_modifyitems(self, config, items):
        for item in items:
            if "submission" not in getattr(item, "fixturenames", ()):
                continue
            self.assignment = self.assignment or _assignment_dir(Path(item.fspath)).name
            self.results[item.nodeid] = TestResult(id=item.nodeid, outcome="not run", **test_metadata(item))
        self.submission = config.getoption("submission") or ""

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(f"could not collect {report.nodeid}: {report.longreprtext.splitlines()[-1] if report.longreprtext else ''}")

    def pytest_runtest_logreport(self, report):
        result = self.results.get(report.nodeid)
        if result is None:
            return
        if report.when == "call" or report.failed or report.skipped:
            if report.passed and result.outcome not in ("not run", "passed"):
                return  # a failed setup is not undone by a later phase
            if report.failed:
                outcome = "failed" if report.when == "call" else "error"
            else:
                outcome = "skipped" if report.skipped else "passed"
            if result.outcome in ("failed", "error") and outcome != result.outcome:
                return
            result.outcome = outcome
            if report.failed or report.skipped:
                props = dict(report.user_properties)
                result.message = props.get("explanation") or (
                    "skipped: a skipped test earns no points" if report.skipped else "failed"
                )
                result.detail = report.longreprtext

    def report(self) -> Report:
        return Report(
            assignment=self.assignment,
            submission=self.submission,
            tests=list(self.results.values()),
            error="; ".join(self.errors),
        )

    def pytest_sessionfinish(self, session):
        if self.json_path:
            self.report().save(self.json_path)
