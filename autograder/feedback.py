"""Render a grade :class:`~autograder.results.Report` for people: terminal text, Markdown, HTML."""
from __future__ import annotations

import html as _html

from .results import Report


def _pts(x: float) -> str:
    return f"{x:g}"


def failure_groups(tests) -> list[tuple[object, int]]:
    """The failed tests of ``tests`` as (first test, how many) per distinct message, in order."""
    groups: dict[str, list] = {}
    for t in tests:
        if t.outcome != "passed":
            groups.setdefault(t.message or t.outcome, []).append(t)
    return [(same[0], len(same)) for same in groups.values()]


def text(report: Report, *, verbose: bool = False, partial: str = "") -> str:
    """Per task: points earned of possible, then one or two plain lines per failure; failures with
    the same message (a syntax error fails every test) are shown once, with how many tests.
    ``partial`` (the selection, e.g. ``--task 2``) marks a check of some tests only: no total,
    a line that says so instead."""
    lines = [f"{report.assignment}: {report.submission}", ""]
    if report.error:
        lines += [f"problem: {report.error}", ""]
    for task in report.tasks():
        bonus = " (bonus)" if task.bonus and "bonus" not in task.title else ""
        lines.append(f"Task {task.key:<4} {task.title + bonus:<44} {_pts(task.earned):>5} / {_pts(task.possible)}")
        if verbose:
            for t in task.tests:
                if t.outcome == "passed":
                    lines.append(f"    ok    {t.title}")
                    continue
                first, *rest = (t.message or t.outcome).splitlines() or [t.outcome]
                lines += [f"    FAIL  {t.title}", f"          {first}", *(f"          {r}" for r in rest[:1])]
                if t.detail:
                    lines += ["", *("          " + d for d in t.detail.splitlines()), ""]
            continue
        for t, count in failure_groups(task.tests):
            first, *rest = (t.message or t.outcome).splitlines() or [t.outcome]
            if count > 1 and first.startswith("not implemented"):
                lines.append(f"    {first} ({count} tests)")
                continue
            more = f"  (and {count - 1} more test{'s' * (count > 2)} with this message)" if count > 1 else ""
            lines.append(f"    FAIL  {t.title}{more}")
            lines.append(f"          {first}")
            lines += [f"          {r}" for r in rest[:1]]
    lines.append("")
    if partial:
        lines.append(f"Partial check ({partial}): only these tests ran, so this is not your total.\n"
                     f"Run the check without {partial} to see every task and your total.")
        if not report.hidden_included:
            lines.append(PUBLIC_ONLY)
        return "\n".join(lines)
    lines.append(f"Total{'':<50} {_pts(report.base_earned):>5} / {_pts(report.possible)}")
    if report.bonus_possible:
        lines.append(f"Bonus{'':<50} {_pts(report.bonus_earned):>5} / {_pts(report.bonus_possible)}")
    if not report.hidden_included:
        lines.append(PUBLIC_ONLY)
    if late := _late_sentence(report):
        lines += [late, f"Final{'':<50} {_pts(report.final):>5}"]
    return "\n".join(lines)


def _late_sentence(report: Report) -> str:
    from .deadlines import Lateness

    return Lateness(**report.late).sentence(report.earned) if report.late else ""


PUBLIC_ONLY = ("(public tests only: the grader also runs hidden tests, which carry more points;\n"
               " full marks here do not mean full marks in the grade)")


def markdown(report: Report) -> str:
    """Feedback for one student, as Markdown."""
    out = [f"# {report.assignment}: feedback for {report.submission}", ""]
    if report.group:
        out += [f"Graded with your group's submission, handed in as **{report.group}**; "
                "the grade counts for each member.", ""]
    if report.error:
        out += [f"**Problem:** {report.error}", ""]
    out += ["| Task | Title | Points |", "|---|---|---|"]
    for task in report.tasks():
        out.append(f"| {task.key} | {task.title} | {_pts(task.earned)} / {_pts(task.possible)} |")
    out.append(f"| | **Total** | **{_pts(report.base_earned)} / {_pts(report.possible)}** |")
    if report.bonus_possible:
        out.append(f"| | Bonus | {_pts(report.bonus_earned)} / {_pts(report.bonus_possible)} |")
    out.append("")
    if late := _late_sentence(report):
        out += [f"**Late:** {late} Final points: **{_pts(report.final)}**.", ""]
    failed = [t for t in report.tests if t.outcome != "passed"]
    if failed:
        out += ["## What to fix", ""]
        for t in failed:
            msg = (t.message or t.outcome).replace("\n", " — ")
            out.append(f"- **Task {t.task}, {t.title}** ({_pts(t.points)} pt): {msg}")
    else:
        out.append("All tests passed.")
    return "\n".join(out) + "\n"


def html(report: Report) -> str:
    """A standalone page; every string from a report (student-controlled text included) is escaped."""
    e = _html.escape
    pts = lambda x: f"{x:g}"  # noqa: E731
    rows = "".join(f"<tr><td>{e(t.key)}</td><td>{e(t.title)}</td><td>{pts(t.earned)} / {pts(t.possible)}</td></tr>"
                   for t in report.tasks())
    failed = [t for t in report.tests if t.outcome != "passed"]
    items = "".join(f"<li><b>Task {e(t.task)}, {e(t.title)}</b> ({pts(t.points)} pt): "
                    f"<pre>{e(t.message or t.outcome)}</pre></li>" for t in failed)
    problem = f"<p><b>Problem:</b> {e(report.error)}</p>" if report.error else ""
    bonus = (f"<tr><td></td><td>Bonus</td><td>{pts(report.bonus_earned)} / {pts(report.bonus_possible)}</td></tr>"
             if report.bonus_possible else "")
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{e(report.assignment)}: {e(report.submission)}</title>"
        "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}td,th{padding:.2em .8em;"
        "border-bottom:1px solid #ddd}pre{white-space:pre-wrap;margin:.2em 0}</style></head><body>"
        f"<h1>{e(report.assignment)}: feedback for {e(report.submission)}</h1>{problem}"
        f"<table><tr><th>Task</th><th>Title</th><th>Points</th></tr>{rows}"
        f"<tr><td></td><td><b>Total</b></td><td><b>{pts(report.base_earned)} / "
        f"{pts(report.possible)}</b></td></tr>{bonus}</table>"
        + (f"<h2>What to fix</h2><ul>{items}</ul>" if failed else "<p>All tests passed.</p>")
        + "</body></html>\n"
    )
