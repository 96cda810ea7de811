"""One gradebook file for the LMS: per student and assignment, autograded + manual points, less the
late deduction.

Sources, per assignment ``<id>`` of the course:
  * autograded points: the ``grade --out`` folder ``<course dir>/<id>/`` (``<student>/report.json``:
    raw task points and the recorded lateness, see ``deadlines``);
  * manual points: nbgrader's gradebook (the TAs' scores of the report's manually graded cells,
    from formgrader or ``review import``); every cell that is not an autograded ``tests_task<k>``;
  * the late deduction: the fraction recorded with the grade, applied to autograded + manual.

A *roster* (CSV with the columns ``student`` -- the submission folder name -- ``name``, ``lms_id``,
and optionally ``sis_id``, ``login``, ``section``) maps folders to LMS ids and lists everyone who
should have a grade: a student without a submission gets 0 and a note, never a missing row.

Layouts (:data:`LAYOUTS`):
  * ``plain``: student, lms_id, then per assignment: auto, manual, late deduction, total; and notes;
  * ``canvas``: Canvas's gradebook import: ``Student, ID, SIS User ID, SIS Login ID, Section``, then
    one column per assignment (its title) holding the total;
  * ``moodle``: Moodle's grade import: ``ID number``, ``Full name``, then one column per assignment;
    map ``ID number`` to the user field at import.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .batch.store import Store
from .course import Assignment
from .course import test_cell_grade_id

LAYOUTS = ("plain", "canvas", "moodle")
ROSTER_COLUMNS = ("student", "name", "lms_id")


class ExportError(ValueError):
    """Input that cannot be exported (the message says what to fix)."""


@dataclass
class Cell:
    auto: float = 0.0
    manual: float = 0.0
    fraction: float = 0.0   # late deduction, of auto + manual
    note: str = ""

    @property
    def deducted(self) -> float:
        return round((self.auto + self.manual) * self.fraction, 3)

    @property
    def total(self) -> float:
        return round(self.auto + self.manual - self.deducted, 3)


@dataclass
class Row:
    student: str
    name: str = ""
    lms_id: str = ""
    extra: dict = field(default_factory=dict)
    cells: dict[str, Cell] = field(default_factory=dict)


def read_roster(path: Path) -> list[dict]:
    with Path(path).open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ExportError(f"the roster {path} lacks the column(s) {', '.join(missing)}; "
                              f"it needs {', '.join(ROSTER_COLUMNS)} (and optionally sis_id, login, section)")
        rows = list(reader)
    seen: set[str] = set()
    for r in rows:
        if r["student"] in seen:
            raise ExportError(f"the roster {path} lists {r['student']!r} twice")
        seen.add(r["student"])
    return rows


def manual_points(assignment: Assignment, db_url: str | None) -> dict[str, float]:
    """{student: the TAs' points for the report's manually graded cells} from nbgrader's gradebook."""
    if db_url is None or not assignment.notebook:
        return {}
    from nbgrader.api import Gradebook, MissingEntry

    prefix = test_cell_grade_id("")
    out: dict[str, float] = {}
    with Gradebook(db_url) as gb:
        try:
            submissions = gb.find_assignment(assignment.id).submissions
        except MissingEntry:
            return {}
        for submission in submissions:
            points = 0.0
            for notebook in submission.notebooks:
                points += sum(g.score or 0.0 for g in notebook.grades if not g.name.startswith(prefix))
            out[submission.student.id] = round(points, 3)
    return out


def collect(assignments: list[Assignment], course_dir: Path, *, db_url: str | None = None,
            roster: list[dict] | None = None) -> list[Row]:
    """The rows of the course export (see the module docstring); roster students first, in order."""
    rows: dict[str, Row] = {}
    for r in roster or []:
        rows[r["student"]] = Row(r["student"], r.get("name", ""), r.get("lms_id", ""),
                                 {k: r.get(k, "") for k in ("sis_id", "login", "section")})
    for a in assignments:
        folder = Path(course_dir) / a.id
        store = Store(folder) if folder.is_dir() else None
        graded = {p.parent.name for p in folder.glob("*/report.json")} if store else set()
        manual = manual_points(a, db_url)
        for student in sorted(graded | set(manual)):
            if roster is not None and student not in rows:
                rows[student] = Row(student, extra={"note": "not in the roster"})
            rows.setdefault(student, Row(student))
        for student, row in rows.items():
            report = store.load(student) if store and student in graded else None
            cell = Cell(manual=manual.get(student, 0.0))
            if report is not None:
                cell.auto, cell.fraction = report.earned, float(report.late.get("fraction", 0.0))
            else:
                cell.note = "no submission" if student not in manual else "no autograded result"
            row.cells[a.id] = cell
    return list(rows.values())


def render(assignments: list[Assignment], rows: list[Row], layout: str = "plain") -> str:
    """The export as CSV text in ``layout``."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    pts = lambda x: f"{x:g}"  # noqa: E731
    if layout == "plain":
        header = ["student", "name", "lms_id"]
        for a in assignments:
            header += [f"{a.id} auto", f"{a.id} manual", f"{a.id} late deduction", f"{a.id} total"]
        writer.writerow([*header, "course total", "notes"])
        for row in rows:
            values, notes = [], []
            for a in assignments:
                c = row.cells[a.id]
                values += [pts(c.auto), pts(c.manual), pts(c.deducted), pts(c.total)]
                if c.note:
                    notes.append(f"{a.id}: {c.note}")
            if row.extra.get("note"):
                notes.insert(0, row.extra["note"])
            total = sum(row.cells[a.id].total for a in assignments)
            writer.writerow([row.student, row.name, row.lms_id, *values, pts(round(total, 3)), "; ".join(notes)])
    elif layout == "canvas":
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(a.title for a in assignments)])
        for row in rows:
            writer.writerow([row.name or row.student, row.lms_id, row.extra.get("sis_id", ""),
                             row.extra.get("login", ""), row.extra.get("section", ""),
                             *(pts(row.cells[a.id].total) for a in assignments)])
    elif layout == "moodle":
        writer.writerow(["ID number", "Full name", *(a.title for a in assignments)])
        for row in rows:
            writer.writerow([row.lms_id, row.name or row.student, *(pts(row.cells[a.id].total) for a in assignments)])
    else:
        raise ExportError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    return buf.getvalue()


def main(assignments: list[Assignment], course_dir: Path, out: Path, *, db_url: str | None = None,
         roster_path: Path | None = None, layout: str = "plain") -> int:
    import sys

    try:
        if layout != "plain" and roster_path is None:
            raise ExportError(f"the {layout} layout needs LMS ids: pass --roster (columns {', '.join(ROSTER_COLUMNS)})")
        roster = read_roster(roster_path) if roster_path else None
        rows = collect(assignments, course_dir, db_url=db_url, roster=roster)
        text = render(assignments, rows, layout)
    except (ExportError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    Path(out).write_text(text, encoding="utf-8")
    unrostered = [r.student for r in rows if r.extra.get("note") == "not in the roster"]
    missing = sum(c.note == "no submission" for r in rows for c in r.cells.values())
    print(f"wrote {out}: {len(rows)} students x {len(assignments)} assignments ({layout} layout); "
          f"{missing} missing submissions counted as 0")
    if unrostered:
        print(f"warning: not in the roster, exported without an LMS id: {', '.join(unrostered)}", file=sys.stderr)
    return 0
