"""Where the course lives and which assignments it holds.

An assignment is a folder ``solutions/<id>/`` (the one hand-written source) with an
``assignment.toml``; its student skeleton is the generated ``assignments/<id>/``.
Adding an assignment means adding such a folder: nothing in ``autograder/`` names one.

``assignment.toml`` keys:
    id       -- the assignment id (optional; default: the folder's name). Released folders are
                often renamed (GitHub Classroom, LMS downloads, clones), so ours state it.
    title    -- human title
    modules  -- the Python files the student edits (graded)
    notebook -- the report notebook (TA-graded), optional
    due      -- the due date (a TOML date-time with offset), optional; see ``deadlines``
    late     -- the late policy, e.g. "10%/day, cap 50%, grace 15m" (default "none")
    tasks    -- the graded tasks, optional: ``[[tasks]]`` tables with ``id``, ``title`` and
                ``bonus`` (default false). When declared, they are the one statement of the
                tasks: every test's ``task`` marker must name one (with the same title and bonus
                flag if it repeats them), the report notebook's autograded cells are
                ``tests_task<id>``, and the mutants' ``loses`` name them.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_NAME = "assignment.toml"
TESTS_DIR = "tests"
TEST_CELL_PREFIX = "tests_task"  # + task key: the grade id of a task's autograded notebook cell


def course_root() -> Path:
    """The course repository root: ``$DLCOURSE_ROOT`` or the folder holding ``autograder/``."""
    env = os.environ.get("DLCOURSE_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[1]


def test_cell_grade_id(task: str) -> str:
    """nbgrader grade id of the report notebook's autograded cell of ``task`` (``tests_task<key>``):
    the batch grader writes the task's points into the gradebook under it."""
    return f"{TEST_CELL_PREFIX}{task}"


@dataclass(frozen=True)
class Task:
    """One graded task as ``assignment.toml`` declares it."""

    id: str
    title: str
    bonus: bool = False


class ConfigError(ValueError):
    """An ``assignment.toml`` that does not say what it must (the message names the file and the fix)."""


def read_tasks(data: dict, where: Path | str) -> tuple[Task, ...]:
    """The ``[[tasks]]`` of a parsed ``assignment.toml`` (``where``: its path, for messages)."""
    raw = data.get("tasks", [])
    if type(raw) is not list or not all(type(t) is dict for t in raw):
        raise ConfigError(f"{where}: 'tasks' must be a list of [[tasks]] tables with id, title and bonus")
    tasks = []
    for entry in raw:
        unknown = set(entry) - {"id", "title", "bonus"}
        if type(entry.get("id")) is not str or type(entry.get("title")) is not str or unknown \
                or type(entry.get("bonus", False)) is not bool:
            raise ConfigError(f"{where}: each [[tasks]] needs id = \"<key>\" and title = \"...\" (strings) and may "
                              f"set bonus = true; got {entry}")
        tasks.append(Task(entry["id"], entry["title"], entry.get("bonus", False)))
    ids = [t.id for t in tasks]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{where}: task ids must be unique; got {ids}")
    return tuple(tasks)


@dataclass(frozen=True)
class NbgraderPaths:
    """The nbgrader folders of a course rooted at ``root``: ``nbgrader_config.py`` (with a relative
    root), ``release``, the gradebook and the tests all take them from here."""

    root: Path

    @property
    def work(self) -> Path:
        """nbgrader's working folders (source staging, submissions, autograded copies, feedback, gradebook)."""
        return self.root / "build" / "nbgrader"

    @property
    def source(self) -> Path:
        return self.work / "source"

    @property
    def submitted(self) -> Path:
        return self.work / "submitted"

    @property
    def autograded(self) -> Path:
        return self.work / "autograded"

    @property
    def feedback(self) -> Path:
        return self.work / "feedback"

    @property
    def release(self) -> Path:
        """What students get (``release/<id>/``)."""
        return self.root / "release"

    @property
    def gradebook(self) -> Path:
        return self.work / "gradebook.db"

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.gradebook}"


def nbgrader_paths(root: Path | None = None) -> NbgraderPaths:
    """The nbgrader folders of the course at ``root`` (default: :func:`course_root`)."""
    return NbgraderPaths(Path(root) if root is not None else course_root())


class UnknownAssignment(LookupError):
    """Raised for an assignment id that is not in the course."""


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    modules: tuple[str, ...]
    notebook: str | None
    root: Path = field(repr=False)
    home: Path | None = field(default=None, repr=False)  # a released folder used on its own
    config: dict = field(default_factory=dict, repr=False, compare=False)  # all of assignment.toml
    tasks: tuple[Task, ...] = ()  # as declared in assignment.toml (empty: not declared)

    @property
    def solution_dir(self) -> Path:
        return self.root / "solutions" / self.id

    @property
    def skeleton_dir(self) -> Path:
        return self.home or self.root / "assignments" / self.id

    @property
    def warm(self) -> tuple[str, ...]:
        """assignment.toml's ``warm``: installed modules the graded modules import (e.g. a4's
        ``lightning.pytorch``), which the sandbox's fork server imports once, after the first sandbox
        of this assignment, so that later ones find them loaded (a speed-up only)."""
        return tuple(str(name) for name in self.config.get("warm", ()))

    def tests_dir(self, hidden: bool = True) -> Path:
        """The full test suite (public + hidden) lives with the solution; the public one with the skeleton."""
        full = self.solution_dir / TESTS_DIR
        if hidden and full.is_dir():
            return full
        return self.skeleton_dir / TESTS_DIR


def _read(config: Path, root: Path, home: Path | None = None) -> Assignment:
    data = tomllib.loads(config.read_text())
    return Assignment(
        id=(data.get("id") or config.parent.name) if home is not None else config.parent.name,
        title=data["title"],
        modules=tuple(data["modules"]),
        notebook=data.get("notebook"),
        root=root,
        home=home,
        config=data,
        tasks=read_tasks(data, config),
    )


def standalone(folder: Path) -> Assignment:
    """A released assignment folder on its own (what a student has): its public tests only."""
    folder = Path(folder).resolve()
    return _read(folder / CONFIG_NAME, folder.parent, home=folder)


def find_folder(start: Path) -> Path | None:
    """The nearest folder holding an ``assignment.toml``: ``start`` itself or one of its parents."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def is_course_repository(root: Path | None = None) -> bool:
    """Whether ``root`` (default: :func:`course_root`) is the course repository (has ``solutions/``),
    as opposed to an installed package next to which only released folders exist."""
    return ((root or course_root()) / "solutions").is_dir()


def assignments(root: Path | None = None) -> list[Assignment]:
    """All assignments, sorted by id; from ``solutions/`` when present, else from ``assignments/``."""
    root = root or course_root()
    found: dict[str, Assignment] = {}
    for base in ("assignments", "solutions"):  # solutions win
        for config in sorted((root / base).glob(f"*/{CONFIG_NAME}")):
            found[config.parent.name] = _read(config, root)
    return [found[k] for k in sorted(found)]


def get(assignment_id: str | None, root: Path | None = None, *, near: Path | None = None) -> Assignment:
    """The assignment ``assignment_id`` of the course; failing that, the released assignment folder
    that holds ``near`` (default: the current folder): ``near`` itself or a parent with an
    ``assignment.toml``, whatever the folder is called. ``assignment_id=None`` means "the one
    ``near`` belongs to"."""
    known = {a.id: a for a in assignments(root)}
    if assignment_id in known:
        return known[assignment_id]
    near = Path.cwd() if near is None else Path(near)
    folder = find_folder(near) if near.exists() else None
    if folder is not None:
        found = standalone(folder)
        if assignment_id is None:
            return known.get(found.id, found)
        if found.id == assignment_id:
            return found
        raise UnknownAssignment(f"{folder} holds assignment {found.id!r}, not {assignment_id!r}: "
                                f"run it as `check {found.id}` or name the right folder with --submission")
    if assignment_id is None:
        raise UnknownAssignment(f"{near.resolve()} is not inside an assignment folder (no {CONFIG_NAME} there "
                                "or above): run this inside your assignment folder, or name it with --submission")
    names = ", ".join(known) or f"none, and there is no {CONFIG_NAME} in {near.resolve()} or above"
    raise UnknownAssignment(f"unknown assignment {assignment_id!r}; the course has: {names}")
