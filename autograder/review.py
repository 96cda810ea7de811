"""TA review bundle: per student one self-contained HTML page, plus an index.

Each page is the student's report notebook as submitted (plots embedded), with the
autograde results at the top and, after every manually graded answer cell, the rubric of
that cell taken from the solution notebook. The index lists students with their points.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell

from . import feedback
from .course import Assignment
from .results import Report

_RUBRIC = re.compile(r"(\*\*Rubric.*?)(?:### END SOLUTION|\Z)", re.S)


def rubrics(assignment: Assignment) -> dict[str, str]:
    """{grade id: rubric text} of the solution notebook's answer cells."""
    nb = nbformat.read(assignment.solution_dir / assignment.notebook, as_version=4)
    found = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        match = _RUBRIC.search(cell.source)
        if meta.get("grade") and meta.get("solution") and match:
            found[meta["grade_id"]] = match.group(1).strip()
    return found


def annotated(notebook: nbformat.NotebookNode, report: Report, rubric: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with the autograde results first and each rubric after its answer."""
    nb = nbformat.from_dict(notebook)
    cells = [new_markdown_cell("## Autograde results\n\n" + feedback.markdown(report).split("\n", 2)[2])]
    for cell in nb.cells:
        cells.append(cell)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in rubric:
            points = cell.metadata["nbgrader"].get("points", 0)
            cells.append(new_markdown_cell(f"> **For the TA: `{grade_id}`, {points:g} points.** {rubric[grade_id]}"))
    nb.cells = cells
    return nb


def to_html(nb: nbformat.NotebookNode, title: str) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter()
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def _index(assignment: Assignment, rows: list[tuple[str, Report | None, str]]) -> str:
    lines = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>{html.escape(assignment.id)}: review</title>",
        f"<h1>{html.escape(assignment.title)}: review bundle</h1>",
        "<table border='1' cellpadding='4'><tr><th>student</th><th>autograded</th><th>bonus</th><th>report</th></tr>",
    ]
    for student, report, status in rows:
        link = f"<a href='{html.escape(student)}.html'>open</a>" if status == PAGE else html.escape(status)
        points = (f"{report.earned - report.bonus_earned:g} / {report.possible:g}" if report and report.graded
                  else html.escape(report.error if report else "not graded"))
        bonus = f"{report.bonus_earned:g}" if report and report.graded else ""
        lines.append(f"<tr><td>{html.escape(student)}</td><td>{points}</td><td>{bonus}</td><td>{link}</td></tr>")
    lines.append("</table>")
    return "\n".join(lines) + "\n"


PAGE = "page"  # a student's row status when their page was written


def _error_page(assignment: Assignment, student: str, problem: str, report: Report | None) -> str:
    results = feedback.markdown(report) if report and report.graded else ""
    return ("<!doctype html><meta charset='utf-8'>"
            f"<title>{html.escape(assignment.id)}: {html.escape(student)}</title>"
            f"<h1>{html.escape(student)}</h1><p><b>The report could not be shown:</b> {html.escape(problem)}</p>"
            f"<pre>{html.escape(results)}</pre>")


def student_page(assignment: Assignment, student: str, folder: Path, report: Report, rubric: dict[str, str],
                 *, execute: bool = False) -> str:
    """The student's annotated report as HTML; raises ``ValueError`` when the notebook cannot be read."""
    path = folder / assignment.notebook
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a corrupt file
        raise ValueError(f"{assignment.notebook} is not a readable notebook ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0][:200] if str(exc) else 'no detail'})") from None
    if execute:
        from nbclient import NotebookClient

        NotebookClient(nb, timeout=900, allow_errors=True, resources={"metadata": {"path": str(folder)}}).execute()
    return to_html(annotated(nb, report, rubric), f"{assignment.id}: {student}")


def build(assignment: Assignment, submissions: Path, out: Path, *, grades: Path | None = None,
          execute: bool = False, workers: int | None = None, progress: bool = True,
          preflight: bool = True) -> "Bundle":
    """Write ``out/index.html`` and ``out/<student>.html``; returns what was written (:class:`Bundle`).

    Students are found as ``grade`` finds them (folders, nbgrader's ``submitted/``, LMS zips). Scores
    come from a ``grade --out`` folder when ``grades`` is given (its ``<student>/report.json``),
    else the batch grader runs now into ``out/grades`` (in parallel, with the preflight, resumable).
    A missing or unreadable notebook gives that student an error section; the others go on.
    ``execute`` re-runs each notebook in a kernel first (student code runs).
    """
    from . import grade
    from .batch.store import Store

    out.mkdir(parents=True, exist_ok=True)
    if grades is None:
        reports = grade.grade_batch(assignment, submissions, out / "grades", workers=workers, progress=progress,
                                    preflight=preflight)
        grades = out / "grades"
    else:
        reports = {}
    saved = Store(grades)
    folders, unusable = grade._discover(assignment, submissions, out, Store(out))
    rubric = rubrics(assignment) if assignment.notebook else {}
    rows, problems, ungraded = [], {}, []
    for student in sorted({*folders, *unusable}):
        report = reports.get(student) or saved.load(student)
        if report is None or not report.graded:
            ungraded.append(student)
        try:
            if student in unusable:
                raise ValueError(unusable[student])
            if report is None:
                raise ValueError(f"no grade for this student in {grades} (run `grade` first)")
            if not report.graded:
                raise ValueError(report.error)
            if not assignment.notebook or not (folders[student] / assignment.notebook).is_file():
                raise ValueError(f"no {assignment.notebook or 'report notebook'} submitted")
            page = student_page(assignment, student, folders[student], report, rubric, execute=execute)
            status = PAGE
        except ValueError as exc:
            problems[student] = status = str(exc)
            page = _error_page(assignment, student, status, report)
        (out / f"{student}.html").write_text(page)
        rows.append((student, report, status))
    index = out / "index.html"
    index.write_text(_index(assignment, rows))
    return Bundle(index, len(rows), problems, ungraded)


@dataclass(frozen=True)
class Bundle:
    index: Path
    students: int
    problems: dict[str, str]  # {student: why their page shows an error instead of the report}
    ungraded: list[str]       # students with no grade (grader error, unusable input, not in --grades)
