"""Manual points and comments from the review bundle's CSV into nbgrader's gradebook.

The CSV is what "Export CSV" in the review bundle writes: one row per graded cell with the
columns ``assignment, student, notebook, grade_id, points, max_points, comment``. An empty
``points`` leaves the cell's score as it is (a comment alone); an empty ``comment`` leaves the
comment as it is. ``max_points`` is informational: the bound is the gradebook's own.

Every row is checked against the gradebook before anything is written (the assignment, the
student's submission, a manually graded cell, points between 0 and the cell's maximum, no cell
twice); on any problem nothing is written. Otherwise all rows are written in one transaction,
as formgrader writes them (``manual_score``; ``needs_manual_grade`` cleared; ``manual_comment``).
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

REQUIRED = ("assignment", "student", "notebook", "grade_id", "points", "comment")


class ImportRefused(ValueError):
    """The CSV cannot be imported; ``problems`` lists every reason, each naming its line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        super().__init__("nothing was written to the gradebook:\n  " + "\n  ".join(shown))


@dataclass(frozen=True)
class Imported:
    scores: int
    comments: int
    students: int


@dataclass(frozen=True)
class _Row:
    line: int
    assignment: str
    student: str
    notebook: str
    grade_id: str
    points: float | None
    comment: str


def read_csv(path: Path) -> list[_Row]:
    """The rows of ``path``; raises :class:`ImportRefused` for a file that is not such a CSV."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportRefused([f"{path} does not exist (export it with the bundle's \"Export CSV\" button)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportRefused([f"{path} cannot be read as UTF-8 text ({exc})"]) from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportRefused([f"{path}: the header lacks the column(s) {', '.join(missing)}; expected "
                             f"{','.join(REQUIRED)} (as the review bundle's \"Export CSV\" writes)"])
    rows, problems = [], []
    for line, raw in enumerate(reader, start=2):
        where = f"line {line}"
        values = {k: (raw.get(k) or "").strip() for k in REQUIRED}
        values["comment"] = raw.get("comment") or ""
        empty = [k for k in ("assignment", "student", "notebook", "grade_id") if not values[k]]
        if empty:
            problems.append(f"{where}: empty {', '.join(empty)}")
            continue
        points = None
        if values["points"]:
            try:
                points = float(values["points"])
            except ValueError:
                problems.append(f"{where}: points {values['points']!r} is not a number")
                continue
            if not math.isfinite(points):
                problems.append(f"{where}: points {values['points']!r} is not a number")
                continue
        elif not values["comment"].strip():
            problems.append(f"{where}: neither points nor a comment for {values['student']}'s {values['grade_id']}")
            continue
        rows.append(_Row(line, values["assignment"], values["student"], values["notebook"], values["grade_id"],
                         points, values["comment"]))
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([f"{path} has no rows: nothing to import"])
    return rows


def import_csv(path: Path, db_url: str) -> Imported:
    """Write the CSV's points and comments into the gradebook at ``db_url``, all or nothing."""
    from nbgrader.api import Gradebook, MissingEntry

    rows = read_csv(path)
    problems, plan, seen = [], [], {}
    with Gradebook(db_url) as gb:
        known_assignments, known_students = set(), set()
        for row in rows:
            where = f"line {row.line}"
            key = (row.assignment, row.student, row.notebook, row.grade_id)
            if key in seen:
                problems.append(f"{where}: {row.student}'s {row.grade_id} is also on line {seen[key]}; keep one")
                continue
            seen[key] = row.line
            if row.assignment not in known_assignments:
                try:
                    gb.find_assignment(row.assignment)
                except MissingEntry:
                    problems.append(f"{where}: the gradebook has no assignment {row.assignment!r} "
                                    "(release it with nbgrader, or pass the course's gradebook with --db)")
                    continue
                known_assignments.add(row.assignment)
            if row.student not in known_students:
                try:
                    gb.find_student(row.student)
                except MissingEntry:
                    problems.append(f"{where}: unknown student {row.student!r}: the gradebook has no such student")
                    continue
                known_students.add(row.student)
            try:
                gb.find_submission(row.assignment, row.student)
            except MissingEntry:
                problems.append(f"{where}: {row.student!r} has no submission of {row.assignment} in the gradebook "
                                "(autograde it with nbgrader or `grade --gradebook` first)")
                continue
            try:
                gb.find_solution_cell(row.grade_id, row.notebook, row.assignment)
                grade = gb.find_grade(row.grade_id, row.notebook, row.assignment, row.student)
            except MissingEntry:
                problems.append(f"{where}: unknown cell {row.grade_id!r}: notebook {row.notebook!r} of "
                                f"{row.assignment} has no manually graded cell of that id")
                continue
            if row.points is not None and not 0 <= row.points <= grade.max_score:
                problems.append(f"{where}: {row.points:g} points for {row.student}'s {row.grade_id} is out of range: "
                                f"the cell is worth 0 to {grade.max_score:g}")
                continue
            comment = None
            if row.comment.strip():
                try:
                    comment = gb.find_comment(row.grade_id, row.notebook, row.assignment, row.student)
                except MissingEntry:
                    problems.append(f"{where}: the gradebook has no comment field for {row.grade_id}")
                    continue
            plan.append((row, grade, comment))
        if problems:
            raise ImportRefused(problems)
        try:
            for row, grade, comment in plan:
                if row.points is not None:
                    grade.manual_score = row.points
                    grade.needs_manual_grade = False
                if comment is not None:
                    comment.manual_comment = row.comment
            gb.db.commit()
        except Exception:
            gb.db.rollback()
            raise
    return Imported(scores=sum(r.points is not None for r, _, _ in plan),
                    comments=sum(c is not None for _, _, c in plan),
                    students=len({r.student for r, _, _ in plan}))
