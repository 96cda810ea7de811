"""Pair and group submissions: one hand-in, one grade for each member.

A group names its members in a file ``group.txt`` at the top of the submission (one student per
line, as they appear in the batch: the folder names of ``grades.csv``; ``#`` starts a comment),
or the instructor passes the LMS's group export as ``grade --groups FILE`` (CSV with the columns
``group`` and ``student``; the submission folder is named after the group or after one member).

The submission is graded once; each member gets a copy of that grade (their own ``report.json``
and feedback, with ``Report.group`` naming the hand-in), late deduction included. A student who
belongs to two groups, or to a group and also handed in alone, is reported as an unusable input
("in two submissions: ...") instead of being counted twice; a rerun after the fix grades them.
"""
from __future__ import annotations

import csv
from pathlib import Path

from ..results import Report
from .inputs import WrongInput, student_name

GROUP_FILE = "group.txt"


def _from_file(folder: Path) -> list[str]:
    path = folder / GROUP_FILE
    if not path.is_file():
        return []
    names = (line.split("#", 1)[0].strip() for line in path.read_text(errors="replace").splitlines())
    return [student_name(n) for n in names if n]


def _from_export(path: Path, folders: dict[str, Path]) -> dict[str, list[str]]:
    with Path(path).open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    if rows and not {"group", "student"} <= set(rows[0]):
        raise WrongInput(f"the group file {path} needs the columns group and student (one row per member)")
    by_group: dict[str, list[str]] = {}
    for row in rows:
        by_group.setdefault(row["group"], []).append(student_name(row["student"]))
    teams = {}
    for group, members in by_group.items():
        submitter = next((s for s in [student_name(group), *members] if s in folders), None)
        if submitter is not None:
            teams[submitter] = members
    return teams


def find(folders: dict[str, Path], export: Path | None = None) -> tuple[dict[str, list[str]], dict[str, str]]:
    """({submitter: the other members}, {student: why their grade cannot be decided})."""
    teams = _from_export(export, folders) if export else {}
    for submitter, folder in folders.items():
        if members := _from_file(folder):
            teams[submitter] = sorted({*teams.get(submitter, []), *members})
    sources: dict[str, list[str]] = {s: [s] for s in folders}
    for submitter, members in teams.items():
        for m in members:
            if m != submitter:
                sources.setdefault(m, []).append(submitter)
    clashes = {s: f"in {len(where)} submissions ({', '.join(where)}): keep one (its group file or its own "
                  "folder) and grade again" for s, where in sources.items() if len(where) > 1}
    teams = {s: [m for m in members if m != s and m not in clashes] for s, members in teams.items()}
    return {s: m for s, m in teams.items() if m}, clashes


def member_copy(report: Report, member: str, submitter: str) -> Report:
    copy = Report.from_json(report.to_json())
    copy.submission, copy.group = member, submitter
    return copy
