"""TA review bundle: per student one self-contained HTML page, plus an index.

Each page is the student's report notebook as submitted (plots embedded), with the
autograde results at the top and, after every manually graded answer cell, the rubric of
that cell taken from the solution notebook. The index lists students with their points.
"""
from __future__ import annotations

import html
import re
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


def _index(assignment: Assignment, rows: list[tuple[str, Report, bool]]) -> str:
    lines = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>{html.escape(assignment.id)}: review</title>",
        f"<h1>{html.escape(assignment.title)}: review bundle</h1>",
        "<table border='1' cellpadding='4'><tr><th>student</th><th>autograded</th><th>bonus</th><th>report</th></tr>",
    ]
    for student, report, has_notebook in rows:
        link = f"<a href='{html.escape(student)}.html'>open</a>" if has_notebook else "no notebook submitted"
        lines.append(f"<tr><td>{html.escape(student)}</td><td>{report.earned - report.bonus_earned:g} / {report.possible:g}</td>"
                     f"<td>{report.bonus_earned:g}</td><td>{link}</td></tr>")
    lines.append("</table>")
    return "\n".join(lines) + "\n"


def build(assignment: Assignment, submissions: Path, out: Path, *, grades: Path | None = None,
          execute: bool = False) -> Path:
    """Write ``out/index.html`` and ``out/<student>.html``; returns the index path.

    Scores come from ``grades/<student>/results.json`` when given (a ``grade`` run), else the
    grader runs now. ``execute`` re-runs each notebook in a kernel first (student code runs).
    """
    from . import grade

    out.mkdir(parents=True, exist_ok=True)
    rubric = rubrics(assignment) if assignment.notebook else {}
    rows = []
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        saved = grades / folder.name / "results.json" if grades else None
        report = Report.from_json(saved.read_text()) if saved and saved.is_file() else grade.grade_one(assignment, folder)
        notebook_path = folder / assignment.notebook if assignment.notebook else None
        has_notebook = bool(notebook_path and notebook_path.is_file())
        if has_notebook:
            nb = nbformat.read(notebook_path, as_version=4)
            if execute:
                from nbclient import NotebookClient

                NotebookClient(nb, timeout=900, allow_errors=True, resources={"metadata": {"path": str(folder)}}).execute()
            page = to_html(annotated(nb, report, rubric), f"{assignment.id}: {folder.name}")
            (out / f"{folder.name}.html").write_text(page)
        rows.append((folder.name, report, has_notebook))
    index = out / "index.html"
    index.write_text(_index(assignment, rows))
    return index
