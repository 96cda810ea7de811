"""TA review bundle: per student one self-contained HTML page, plus an index.

Each page is the student's report notebook as submitted (plots embedded), with the
autograde results at the top and, after every manually graded cell (answers and plots), the
rubric of that cell taken from the solution notebook and a form for its points and comment.

The bundle works offline, from ``file://``: maths is MathML made here (``latex2mathml``; browsers
draw it natively), no script is loaded from anywhere. What the TA types is kept in the browser's
local storage (one entry per assignment, shared by every page of the bundle) and leaves as a CSV
("Export CSV" on any page); ``python -m autograder review import <csv>`` writes it into nbgrader's
gradebook (:mod:`autograder.manual_grades`). The index links every student with autograded,
manual and total points; each page links to the previous and next student and the index, and
``j``/``k`` (or the right/left arrow keys) move between students. With ``--execute``, each notebook
is first run in the grader's sandbox (:mod:`autograder.sandbox.notebook`) and each plot cell's box
also lists the advisory plot checks (:mod:`autograder.plotcheck`), counted in the index.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell

from . import feedback
from .course import Assignment
from .results import Report

_RUBRIC = re.compile(r"(\*\*Rubric.*?)(?:### END SOLUTION|\Z)", re.S)


@dataclass(frozen=True)
class ManualCell:
    """A manually graded cell of the solution notebook (nbgrader ``grade`` and ``solution``)."""

    grade_id: str
    points: float
    rubric: str | None  # None where the solution gives none (plot cells often do not)
    kind: str           # "answer" (markdown) or "plot" (code)
    expect: dict | None = None  # what a plot cell declares it draws (see :mod:`autograder.plotcheck`)


def manual_cells(assignment: Assignment) -> list[ManualCell]:
    """The solution notebook's manually graded cells, in notebook order."""
    nb = nbformat.read(assignment.solution_dir / assignment.notebook, as_version=4)
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and meta.get("solution"):
            match = _RUBRIC.search(cell.source)
            found.append(ManualCell(meta["grade_id"], float(meta.get("points", 0)),
                                    match.group(1).strip() if match else None,
                                    "plot" if cell.cell_type == "code" else "answer",
                                    cell.metadata.get("autograder", {}).get("plot")))
    return found


def rubrics(assignment: Assignment) -> dict[str, str]:
    """{grade id: rubric text} of the solution notebook's manually graded cells that have one."""
    return {c.grade_id: c.rubric for c in manual_cells(assignment) if c.rubric}


def _form(cell: ManualCell) -> str:
    """The points and comment fields of one cell (one line: markdown keeps it one HTML block)."""
    gid = html.escape(cell.grade_id)
    return (f"<div class='ta-grade' data-grade-id='{gid}' data-max='{cell.points:g}'>"
            f"<label>Points <input type='number' class='ta-points' min='0' max='{cell.points:g}' step='any' "
            f"aria-label='points for {gid}'> / {cell.points:g}</label> "
            f"<label>Comment <textarea class='ta-comment' rows='2' aria-label='comment for {gid}'></textarea></label> "
            f"<span class='ta-msg' role='status'></span></div>")


def _for_the_ta(cell: ManualCell, note: str = "", advice: list[str] | None = None) -> nbformat.NotebookNode:
    rubric = cell.rubric or ("no rubric: judge the plot on its own (axes, labels, legend, what it shows)"
                             if cell.kind == "plot" else "no rubric given in the solution")
    points = f"{cell.points:g} point{'' if cell.points == 1 else 's'}"
    checks = ""
    if advice is not None:
        checks = ("\n>\n> **Plot checks** (advisory; they do not change points): "
                  + ("; ".join(advice) if advice else "nothing to note") + ".")
    return new_markdown_cell(f"> **For the TA: `{cell.grade_id}`, {points}.** {note}{rubric}{checks}\n\n"
                             + _form(cell))


def annotated(notebook: nbformat.NotebookNode, report: Report, cells: list[ManualCell],
              advice: dict[str, list[str]] | None = None) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with the autograde results first and, after each manually graded
    cell, its rubric, the plot checks in ``advice`` ({grade id: checks}, when the notebook was
    executed) and the grading form; a graded cell the student deleted gets its form at the end."""
    advice = advice or {}
    nb = nbformat.from_dict(notebook)
    by_id = {c.grade_id: c for c in cells}
    out = [new_markdown_cell("## Autograde results\n\n" + feedback.markdown(report).split("\n", 2)[2])]
    seen = set()
    for cell in nb.cells:
        out.append(cell)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in by_id and grade_id not in seen:
            seen.add(grade_id)
            out.append(_for_the_ta(by_id[grade_id], advice=advice.get(grade_id)))
    for cell in cells:
        if cell.grade_id not in seen:
            out.append(_for_the_ta(cell, note="*This cell is missing from the submitted notebook.* ",
                                   advice=advice.get(cell.grade_id)))
    nb.cells = out
    return nb


def _mathml(tex: str, display: str) -> str:
    from latex2mathml.converter import convert

    try:
        return convert(tex.strip(), display=display)
    except Exception:  # noqa: BLE001 - latex2mathml raises many kinds for TeX it does not know
        return f"<code class='tex' title='not converted to MathML'>{html.escape(tex)}</code>"


def _exporter():
    """nbconvert's HTML exporter with maths as MathML and no script, font or style from the network."""
    from jinja2 import DictLoader, pass_context
    from nbconvert import HTMLExporter
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class MathMLRenderer(IPythonRenderer):
        def block_math(self, body: str) -> str:
            return _mathml(body, "block")

        def inline_math(self, body: str) -> str:
            return _mathml(body, "inline")

        def latex_environment(self, name: str, body: str) -> str:
            return _mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")

    class ReviewExporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context, source):
            cell = context.get("cell", {})
            renderer = MathMLRenderer(escape=False, attachments=cell.get("attachments", {}),
                                      embed_images=self.embed_images, anchor_link_text=self.anchor_link_text,
                                      exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
            return MarkdownWithMath(renderer=renderer).render(source)

    return ReviewExporter(template_name="lab", template_file="review.html.j2",
                          extra_loaders=[DictLoader({"review.html.j2": _TEMPLATE})])


_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}<style>{{ resources.review.css }}</style>{% endblock extra_css %}
{%- block body_header -%}{{ super() }}{{ resources.review.nav }}{%- endblock body_header -%}
{% block footer_js %}{{ resources.review.script }}{% endblock footer_js %}
"""


def to_html(nb: nbformat.NotebookNode, title: str, chrome: dict[str, str] | None = None) -> str:
    """``nb`` as one self-contained HTML page; ``chrome`` adds the bundle's navigation and script."""
    body, _ = _exporter().from_notebook_node(
        nb, resources={"metadata": {"name": title}, "review": chrome or {"css": "", "nav": "", "script": ""}})
    return body


_CSS = """
.ta-nav { position: sticky; top: 0; z-index: 10; background: #f4f6f8; border-bottom: 1px solid #ccd;
          padding: 6px 12px; font: 14px sans-serif; display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }
.ta-nav .ta-keys { color: #666; font-size: 12px; }
.ta-grade { border: 1px solid #9bd; background: #f3f9ff; padding: 6px 10px; margin: 4px 0 12px;
            display: flex; gap: 12px; align-items: flex-start; flex-wrap: wrap; font: 14px sans-serif; }
.ta-grade input { width: 5em; }
.ta-grade textarea { width: 28em; vertical-align: top; }
.ta-grade.ta-bad { border-color: #c33; background: #fff3f3; }
.ta-grade.ta-bad .ta-msg { color: #c33; }
.ta-msg { color: #367; }
table.ta-index { border-collapse: collapse; font: 14px sans-serif; }
table.ta-index td, table.ta-index th { border: 1px solid #bbb; padding: 4px 8px; text-align: left; }
"""

# Shared by the index and every page; reads the page's <script id="review-data"> (see _chrome).
_SCRIPT = """
(function () {
  const B = JSON.parse(document.getElementById('review-data').textContent);
  const KEY = 'dlcourse-review:' + B.assignment;
  const maxOf = Object.fromEntries(B.cells.map(c => [c.grade_id, c.points]));
  const manualMax = B.cells.reduce((a, c) => a + c.points, 0);
  const load = () => { try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; } };
  const save = all => localStorage.setItem(KEY, JSON.stringify(all));
  const fmt = x => String(Math.round(x * 100) / 100);
  function manual(student) {
    const mine = load()[student] || {};
    let sum = 0, cells = 0;
    for (const gid in mine) if (mine[gid].points !== null && mine[gid].points !== undefined) { sum += mine[gid].points; cells += 1; }
    return {sum: sum, cells: cells};
  }
  function summary() {
    if (B.student !== null) {
      const m = manual(B.student), el = document.querySelector('.ta-summary');
      if (el) el.textContent = 'manual: ' + fmt(m.sum) + ' / ' + fmt(manualMax) + ' (' + m.cells + ' of ' + B.cells.length + ' cells graded)';
    }
    document.querySelectorAll('tr[data-student]').forEach(tr => {
      const m = manual(tr.dataset.student), auto = tr.dataset.auto;
      tr.querySelector('.ta-manual').textContent = fmt(m.sum) + ' / ' + fmt(manualMax) + ' (' + m.cells + ' of ' + B.cells.length + ' cells)';
      tr.querySelector('.ta-total').textContent = auto === '' ? '-' : fmt(Number(auto) + m.sum) + ' / ' + fmt(Number(tr.dataset.max) + manualMax);
    });
  }
  document.querySelectorAll('.ta-grade').forEach(div => {
    const gid = div.dataset.gradeId, max = Number(div.dataset.max);
    const pts = div.querySelector('.ta-points'), com = div.querySelector('.ta-comment'), msg = div.querySelector('.ta-msg');
    const mine = (load()[B.student] || {})[gid];
    if (mine) { if (mine.points !== null) pts.value = mine.points; com.value = mine.comment || ''; msg.textContent = 'saved'; }
    function store() {
      const raw = pts.value.trim();
      let points = null;
      if (raw !== '' || pts.validity.badInput) {
        const v = Number(raw);
        if (raw === '' || !Number.isFinite(v) || v < 0 || v > max) {
          msg.textContent = 'points must be between 0 and ' + fmt(max) + ': not saved';
          div.classList.add('ta-bad');
          return;
        }
        points = v;
      }
      div.classList.remove('ta-bad');
      const all = load(), mineNow = all[B.student] = all[B.student] || {};
      if (points === null && com.value === '') { delete mineNow[gid]; msg.textContent = ''; }
      else { mineNow[gid] = {points: points, comment: com.value}; msg.textContent = 'saved'; }
      save(all);
      summary();
    }
    pts.addEventListener('input', store);
    com.addEventListener('input', store);
  });
  function csv() {
    const q = f => '"' + String(f).replace(/"/g, '""') + '"';
    const rows = [['assignment', 'student', 'notebook', 'grade_id', 'points', 'max_points', 'comment']];
    const all = load();
    for (const student of Object.keys(all).sort())
      for (const cell of B.cells) {
        const e = all[student][cell.grade_id];
        if (e) rows.push([B.assignment, student, B.notebook, cell.grade_id, e.points === null ? '' : e.points, cell.points, e.comment || '']);
      }
    return rows.map(r => r.map(q).join(',')).join('\\r\\n') + '\\r\\n';
  }
  document.querySelectorAll('.ta-export').forEach(button => button.addEventListener('click', () => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([csv()], {type: 'text/csv'}));
    a.download = B.assignment + '-manual-grades.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
  }));
  document.addEventListener('keydown', e => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
    const go = (e.key === 'j' || e.key === 'ArrowRight') ? B.next : (e.key === 'k' || e.key === 'ArrowLeft') ? B.prev : null;
    if (go) { e.preventDefault(); location.href = go; }
  });
  window.addEventListener('storage', summary);
  summary();
})();
"""


def _href(student: str) -> str:
    from urllib.parse import quote

    return quote(f"{student}.html")


def _chrome(assignment: Assignment, cells: list[ManualCell], students: list[str], student: str | None) -> dict[str, str]:
    """The bundle's navigation bar, style and script for ``student``'s page (``None``: the index)."""
    if student is None:
        prev, nxt = None, (students[0] if students else None)
    else:
        at = students.index(student)
        prev, nxt = (students[at - 1] if at else None), (students[at + 1] if at + 1 < len(students) else None)
    data = {"assignment": assignment.id, "notebook": Path(assignment.notebook).stem if assignment.notebook else "",
            "cells": [{"grade_id": c.grade_id, "points": c.points} for c in cells], "student": student,
            "prev": _href(prev) if prev else None, "next": _href(nxt) if nxt else None}
    link = (lambda who, cls, text: f"<a class='{cls}' rel='{cls[3:]}' href='{_href(who)}'>{text}</a>" if who
            else f"<span class='{cls}'>{'first' if cls == 'ta-prev' else 'last'} student</span>")
    nav = ["<nav class='ta-nav'>", "<a class='ta-index' href='index.html'>index</a>" if student is not None else "",
           link(prev, "ta-prev", f"&larr; {html.escape(prev or '')}") if student is not None else "",
           link(nxt, "ta-next", f"{html.escape(nxt or '')} &rarr;"),
           f"<b>{html.escape(student)}</b><span class='ta-summary'></span>" if student is not None else "",
           "<button type='button' class='ta-export'>Export CSV</button>",
           "<span class='ta-keys'>j / &rarr;: next student, k / &larr;: previous; points and comments stay in "
           "this browser until exported</span></nav>"]
    payload = json.dumps(data).replace("</", "<\\/")
    return {"css": _CSS, "nav": "".join(nav),
            "script": f"<script type='application/json' id='review-data'>{payload}</script><script>{_SCRIPT}</script>"}


def _index(assignment: Assignment, rows: list[tuple[str, Report | None, str, int | None]],
           cells: list[ManualCell]) -> str:
    chrome = _chrome(assignment, cells, [r[0] for r in rows], None)
    lines = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>{html.escape(assignment.id)}: review</title><style>body {{ font-family: sans-serif; }}"
        f"{chrome['css']}</style>",
        chrome["nav"],
        f"<h1>{html.escape(assignment.title)}: review bundle</h1>",
        "<table class='ta-index'><tr><th>student</th><th>autograded</th><th>bonus</th><th>manual</th><th>total</th>"
        "<th>plot checks</th><th>report</th></tr>",
    ]
    for student, report, status, advisories in rows:
        graded = bool(report and report.graded)
        points = (f"{report.base_earned:g} / {report.possible:g}" if graded
                  else html.escape(report.error if report else "not graded"))
        bonus = f"{report.bonus_earned:g}" if graded else ""
        what = "open" if status == PAGE else f"problem: {html.escape(status)}"
        auto, most = (f"{report.earned:g}", f"{report.possible:g}") if graded else ("", "")
        lines.append(f"<tr data-student='{html.escape(student)}' data-auto='{auto}' data-max='{most}'>"
                     f"<td><a class='ta-student' href='{_href(student)}'>{html.escape(student)}</a></td>"
                     f"<td>{points}</td><td>{bonus}</td><td class='ta-manual'></td><td class='ta-total'></td>"
                     f"<td class='ta-checks'>{'' if advisories is None else advisories}</td><td>{what}</td></tr>")
    lines += ["</table>", chrome["script"]]
    return "\n".join(lines) + "\n"


PAGE = "page"  # a student's row status when their page was written


def _error_page(assignment: Assignment, student: str, problem: str, report: Report | None,
                chrome: dict[str, str]) -> str:
    results = feedback.markdown(report) if report and report.graded else ""
    return ("<!doctype html><meta charset='utf-8'>"
            f"<title>{html.escape(assignment.id)}: {html.escape(student)}</title><style>{chrome['css']}</style>"
            f"{chrome['nav']}<h1>{html.escape(student)}</h1><p><b>The report could not be shown:</b> "
            f"{html.escape(problem)}</p><pre>{html.escape(results)}</pre>{chrome['script']}")


EXECUTE_S = 900  # a report notebook trains models: minutes on a loaded machine, as at nbgrader autograde


def execute_limits(assignment: Assignment):
    """Grading's limits, with the time of one whole notebook for its one call."""
    import dataclasses

    from .grade import default_limits

    limits = default_limits(assignment)
    return dataclasses.replace(limits, test_s=EXECUTE_S, submission_s=max(limits.submission_s, EXECUTE_S + 60),
                               cpu_s=max(limits.cpu_s, EXECUTE_S))


def student_page(assignment: Assignment, student: str, folder: Path, report: Report, cells: list[ManualCell],
                 *, execute: bool = False, chrome: dict[str, str] | None = None) -> str:
    """The student's annotated report as HTML; raises ``ValueError`` when the notebook cannot be read."""
    return _student_page(assignment, student, folder, report, cells, execute=execute, chrome=chrome)[0]


def _student_page(assignment: Assignment, student: str, folder: Path, report: Report, cells: list[ManualCell],
                  *, execute: bool, chrome: dict[str, str] | None) -> tuple[str, int | None]:
    """(page, number of plot checks: ``None`` when the notebook was not executed)."""
    path = folder / assignment.notebook
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a corrupt file
        raise ValueError(f"{assignment.notebook} is not a readable notebook ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0][:200] if str(exc) else 'no detail'})") from None
    advice = None
    if execute:
        from . import plotcheck
        from .sandbox import errors

        try:
            figures = plotcheck.execute(nb, folder, assignment, execute_limits(assignment))
        except errors.SandboxError as exc:
            raise ValueError(f"the notebook could not be executed in the sandbox: {exc}") from None
        advice = {c.grade_id: plotcheck.checks(figures.get(c.grade_id), c.expect) for c in cells if c.kind == "plot"}
    page = to_html(annotated(nb, report, cells, advice), f"{assignment.id}: {student}", chrome)
    return page, None if advice is None else sum(map(len, advice.values()))


def build(assignment: Assignment, submissions: Path, out: Path, *, grades: Path | None = None,
          execute: bool = False, workers: int | None = None, progress: bool = True,
          preflight: bool = True) -> "Bundle":
    """Write ``out/index.html`` and ``out/<student>.html``; returns what was written (:class:`Bundle`).

    Students are found as ``grade`` finds them (folders, nbgrader's ``submitted/``, LMS zips). Scores
    come from a ``grade --out`` folder when ``grades`` is given (its ``<student>/report.json``),
    else the batch grader runs now into ``out/grades`` (in parallel, with the preflight, resumable).
    A missing or unreadable notebook gives that student an error section; the others go on.
    ``execute`` re-runs each notebook first, in the sandbox with the limits of grading (a notebook
    may take :data:`EXECUTE_S` seconds), and records each figure for the advisory plot checks
    (:mod:`autograder.plotcheck`).
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
    cells = manual_cells(assignment) if assignment.notebook else []
    students = sorted({*folders, *unusable})
    rows, problems, ungraded = [], {}, []
    for student in students:
        report = reports.get(student) or saved.load(student)
        if report is None or not report.graded:
            ungraded.append(student)
        chrome = _chrome(assignment, cells, students, student)
        try:
            if student in unusable:
                raise ValueError(unusable[student])
            if report is None:
                raise ValueError(f"no grade for this student in {grades} (run `grade` first)")
            if not report.graded:
                raise ValueError(report.error)
            if not assignment.notebook or not (folders[student] / assignment.notebook).is_file():
                raise ValueError(f"no {assignment.notebook or 'report notebook'} submitted")
            page, advisories = _student_page(assignment, student, folders[student], report, cells, execute=execute,
                                             chrome=chrome)
            status = PAGE
        except ValueError as exc:
            problems[student] = status = str(exc)
            page, advisories = _error_page(assignment, student, status, report, chrome), None
        (out / f"{student}.html").write_text(page)
        rows.append((student, report, status, advisories))
    index = out / "index.html"
    index.write_text(_index(assignment, rows, cells))
    return Bundle(index, len(rows), problems, ungraded)


@dataclass(frozen=True)
class Bundle:
    index: Path
    students: int
    problems: dict[str, str]  # {student: why their page shows an error instead of the report}
    ungraded: list[str]       # students with no grade (grader error, unusable input, not in --grades)
