"""Where the course lives and which assignments it holds.

An assignment is a folder ``solutions/<id>/`` (the one hand-written source) with an
``assignment.toml``; its student skeleton is the generated ``assignments/<id>/``.
Adding an assignment means adding such a folder: nothing in ``autograder/`` names one.

``assignment.toml`` keys:
    title    -- human title
    modules  -- the Python files the student edits (graded)
    notebook -- the report notebook (TA-graded), optional
    due      -- the due date (a TOML date-time with offset), optional; see ``deadlines``
    late     -- the late policy, e.g. "10%/day, cap 50%, grace 15m" (default "none")
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_NAME = "assignment.toml"
TESTS_DIR = "tests"


def course_root() -> Path:
    """The course repository root: ``$DLCOURSE_ROOT`` or the folder holding ``autograder/``."""
    env = os.environ.get("DLCOURSE_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[1]


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

    @property
    def solution_dir(self) -> Path:
        return self.root / "solutions" / self.id

    @property
    def skeleton_dir(self) -> Path:
        return self.home or self.root / "assignments" / self.id

    @property
    def release_dir(self) -> Path:
        return self.root / "release" / self.id

    def tests_dir(self, hidden: bool = True) -> Path:
        """The full test suite (public + hidden) lives with the solution; the public one with the skeleton."""
        full = self.solution_dir / TESTS_DIR
        if hidden and full.is_dir():
            return full
        return self.skeleton_dir / TESTS_DIR


def _read(config: Path, root: Path, home: Path | None = None) -> Assignment:
    data = tomllib.loads(config.read_text())
    return Assignment(
        id=config.parent.name,
        title=data["title"],
        modules=tuple(data["modules"]),
        notebook=data.get("notebook"),
        root=root,
        home=home,
        config=data,
    )


def standalone(folder: Path) -> Assignment:
    """A released assignment folder on its own (what a student has): its public tests only."""
    folder = Path(folder).resolve()
    return _read(folder / CONFIG_NAME, folder.parent, home=folder)


def assignments(root: Path | None = None) -> list[Assignment]:
    """All assignments, sorted by id; from ``solutions/`` when present, else from ``assignments/``."""
    root = root or course_root()
    found: dict[str, Assignment] = {}
    for base in ("assignments", "solutions"):  # solutions win
        for config in sorted((root / base).glob(f"*/{CONFIG_NAME}")):
            found[config.parent.name] = _read(config, root)
    return [found[k] for k in sorted(found)]


def get(assignment_id: str, root: Path | None = None, *, near: Path | None = None) -> Assignment:
    """The assignment ``assignment_id`` of the course; failing that, the released folder ``near``
    (e.g. the student's submission folder) if it is that assignment."""
    known = {a.id: a for a in assignments(root)}
    if assignment_id not in known and near is not None:
        near = Path(near).resolve()
        if near.name == assignment_id and (near / CONFIG_NAME).is_file():
            return standalone(near)
    if assignment_id not in known:
        names = ", ".join(known) or "none"
        raise UnknownAssignment(f"unknown assignment {assignment_id!r}; the course has: {names}")
    return known[assignment_id]
