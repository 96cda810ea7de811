"""Class insights: what the class got wrong, and which submissions are suspiciously alike.

``python -m autograder insights <id> --grades DIR [--submissions PATH] [--out DIR]`` reads a
``grade --out`` folder and writes, into ``--out`` (default: ``DIR/insights``):

    insights.html     one self-contained page (figures are embedded PNGs; no server, no network)
    insights.json     the same data (see :func:`analyse` for its keys)
    insights.csv      one row per failure group: test, kind, key, count, students, message, counterexample
    similarity.csv    one row per flagged pair of students

What is read: every ``<student>/report.json`` (a :class:`results.Report`; one with ``error_kind``
holds no grade) and the rows of ``grades.csv`` that have an error but no report (the batch does not
save ungraded reports, see ``grade.py``). A failing test's message is the one the student read
(``explain.py``): its ``likely cause: ...`` line (``expect.py``) is the *diagnosed cause*, its
``smallest failing input: ...`` line hypothesis's counterexample. Failures without a cause are
clustered by the *shape* of their first line (numbers and quoted names replaced by placeholders),
so the instructor sees what no mutant anticipated. Stubs left unimplemented, time-outs, grader
errors and unusable inputs are listed apart: they are not mistakes to teach.

The similarity section (:func:`similarity`) is evidence for a human, never a grade change.
``insights --course`` (:func:`course`) reads several grade folders and lists, per student, the
misconceptions (concept tags, ``concepts.py``) that recur across assignments.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .course import Assignment
from .results import GRADER_ERROR, INPUT_ERROR, Report

CAUSE = re.compile(r"^likely cause:\s*(.+)$", re.MULTILINE)
EXAMPLE = re.compile(r"^smallest failing input:\s*(.+)$", re.MULTILINE)
NOT_IMPLEMENTED = "not implemented yet"
TIMEOUT = re.compile(r"^stopped after .*took too long")
FAILED = ("failed", "error", "not run")
TOP_CAUSES = 5

# A pair is flagged when the code it shares outside the course's own code (skeleton and reference)
# is at least SIMILARITY_THRESHOLD of either student's own code and at least MIN_SHARED_TOKENS long.
# copydetect counts "tokens" as characters of its filtered code, where every name is one letter.
SIMILARITY_THRESHOLD = 0.6
MIN_SHARED_TOKENS = 100
NOISE_TOKENS = 25   # copydetect's k (its default noise threshold): shorter shared runs are never seen
WINDOW = 1          # copydetect's winnowing window (1: every k-gram kept; the modules are small)


class InsightsError(ValueError):
    """The grades folder cannot be read as a ``grade --out`` folder; the message says what to do."""


@dataclass
class Group:
    """Failures of one test that share a diagnosed cause (kind "cause") or a message shape ("shape")."""
    kind: str
    key: str
    students: list[str]
    message: str          # one representative message, as the student read it
    counterexample: str   # the shortest "smallest failing input" in the group ("" if none)

    @property
    def count(self) -> int:
        return len(self.students)


@dataclass
class TestInsight:
    id: str
    title: str
    task: str
    points: float
    hidden: bool
    attempted: int          # graded students who implemented what the test checks
    failed: list[str]       # students whose failure is a mistake (not a stub, not a time-out)
    groups: list[Group] = field(default_factory=list)
    not_implemented: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)

    @property
    def failure_rate(self) -> float:
        return len(self.failed) / self.attempted if self.attempted else 0.0


def load(grades: Path) -> tuple[dict[str, Report], list[dict]]:
    """({student: Report} of every report.json, [{student, kind, problem}] of students without a grade).

    Raises :class:`InsightsError` when ``grades`` holds neither reports nor a ``grades.csv``.
    """
    grades = Path(grades)
    if not grades.is_dir():
        raise InsightsError(f"{grades} is not a folder: pass the --out folder of `python -m autograder grade`")
    reports: dict[str, Report] = {}
    not_graded: list[dict] = []
    for path in sorted(grades.glob("*/report.json")):
        student = path.parent.name
        try:
            report = Report.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, TypeError, KeyError, OSError) as exc:
            not_graded.append({"student": student, "kind": "unreadable report",
                               "problem": f"{path.name} could not be read ({type(exc).__name__}); regrade this student"})
            continue
        if report.graded:
            reports[student] = report
        else:
            not_graded.append({"student": student, "kind": _kind(report.error_kind, report.error), "problem": report.error})
    table = grades / "grades.csv"
    if table.is_file():
        with table.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                student, problem = row.get("student", ""), (row.get("error") or "").strip()
                if student and problem and student not in reports and all(n["student"] != student for n in not_graded):
                    not_graded.append({"student": student, "kind": _kind("", problem), "problem": problem})
    if not reports and not not_graded:
        raise InsightsError(f"{grades} holds no <student>/report.json and no grades.csv: "
                            "pass the --out folder of `python -m autograder grade` after grading")
    return reports, sorted(not_graded, key=lambda n: n["student"])


def _kind(error_kind: str, problem: str) -> str:
    if error_kind == GRADER_ERROR or problem.startswith("grader error"):
        return "grader error"
    if error_kind == INPUT_ERROR or problem:
        return "unusable input"
    return "not graded"


def cause_of(message: str) -> str:
    """The diagnosed cause in a student-facing message ("" if it names none)."""
    found = CAUSE.search(message or "")
    return found.group(1).strip() if found else ""


def counterexample_of(message: str) -> str:
    found = EXAMPLE.search(message or "")
    return found.group(1).strip() if found else ""


_NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_FILE_LINE = re.compile(r"\(([\w.-]+\.py), line \d+\)")


def shape(message: str) -> str:
    """The message's first line with numbers as ``<n>`` and quoted names as ``'<name>'``: messages
    that differ only in values fall into one cluster."""
    first = next((ln for ln in (message or "").splitlines() if ln.strip()), "").strip()
    first = _FILE_LINE.sub(r"(\1, line <n>)", first)
    first = _QUOTED.sub("'<name>'", first)
    first = _NUMBER.sub("<n>", first)
    return re.sub(r"\s+", " ", first)


def _cause_key(cause: str) -> str:
    return _NUMBER.sub("<n>", cause)


def _untruncated(keys: set[str]) -> dict[str, str]:
    """{cause key: the longest key it is a cut-off start of}: a long message is cut at
    ``explain.MAX_CHARS`` and ends in "...", so one cause can reach us at several lengths."""
    out: dict[str, str] = {}
    ordered = sorted(keys, key=lambda k: (-len(k), k))
    for k in ordered:
        stem = k[:-3] if k.endswith("...") else None
        out[k] = next((o for o in ordered if stem and len(o) > len(k) and o.startswith(stem) and out.get(o) == o), k)
    return out


def _group(kind: str, items: list[tuple[str, str]]) -> Group:
    """``items``: (student, message) pairs of one group."""
    items = sorted(items)
    examples = sorted((counterexample_of(m) for _, m in items if counterexample_of(m)), key=lambda e: (len(e), e))
    key = max((cause_of(m) for _, m in items), key=len) if kind == "cause" else shape(items[0][1])
    return Group(kind, key, [s for s, _ in items], items[0][1], examples[0] if examples else "")


def per_test(reports: dict[str, Report]) -> list[TestInsight]:
    """One :class:`TestInsight` per test of the assignment, in the order of the reports' tests."""
    order: dict[str, TestInsight] = {}
    failures: dict[str, dict[tuple[str, str], list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for student, report in sorted(reports.items()):
        for t in report.tests:
            ti = order.setdefault(t.id, TestInsight(t.id, t.title, t.task, t.points, t.hidden, 0, []))
            message = t.message or t.outcome
            if t.outcome in FAILED and message.startswith(NOT_IMPLEMENTED):
                ti.not_implemented.append(student)
                continue
            ti.attempted += 1
            if t.outcome not in FAILED:
                continue
            if TIMEOUT.match(message):
                ti.timeouts.append(student)
                continue
            ti.failed.append(student)
            cause = cause_of(message)
            key = ("cause", _cause_key(cause)) if cause else ("shape", shape(message))
            failures[t.id][key].append((student, message))
    canonical = _untruncated({k for groups in failures.values() for kind, k in groups if kind == "cause"})
    for test_id, groups in failures.items():
        merged: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for (kind, k), items in groups.items():
            merged[(kind, canonical.get(k, k) if kind == "cause" else k)] += items
        made = [_group(kind, items) for (kind, _), items in merged.items()]
        order[test_id].groups = sorted(made, key=lambda g: (g.kind != "cause", -g.count, g.key))
    return list(order.values())


def scores(reports: dict[str, Report]) -> dict:
    """Per task and in total: maximum and each student's points (bonus points kept apart)."""
    tasks: dict[str, dict] = {}
    for student, report in sorted(reports.items()):
        for task in report.tasks():
            entry = tasks.setdefault(task.key, {"key": task.key, "title": task.title, "possible": task.possible,
                                                "bonus": task.bonus, "points": {}})
            entry["points"][student] = task.earned
    total = {"possible": max((r.possible for r in reports.values()), default=0.0),
             "points": {s: r.base_earned for s, r in sorted(reports.items())}}
    return {"total": total, "tasks": list(tasks.values())}


def tutorial(tests: list[TestInsight], n_students: int) -> list[dict]:
    """The draft of "what to discuss in the tutorial": the diagnosed causes that most students hit."""
    by_cause: dict[str, dict] = {}
    for ti in tests:
        for g in ti.groups:
            if g.kind != "cause":
                continue
            entry = by_cause.setdefault(_cause_key(g.key), {"cause": g.key, "students": set(), "tests": []})
            entry["students"].update(g.students)
            title = re.sub(r"\s*\[[^\]]*\]$", "", ti.title)  # one entry for all parameters of a test
            if title not in entry["tests"]:
                entry["tests"].append(title)
    ranked = sorted(by_cause.values(), key=lambda e: (-len(e["students"]), e["cause"]))[:TOP_CAUSES]
    return [{"cause": e["cause"], "students": sorted(e["students"]), "count": len(e["students"]),
             "share": len(e["students"]) / n_students if n_students else 0.0, "tests": e["tests"],
             **_concept(e["cause"])} for e in ranked]


def _concept(cause: str) -> dict:
    from .concepts import tag_of

    found = tag_of(cause)
    return {"tag": found.tag if found else "", "concept": found.concept if found else ""}


def analyse(assignment_id: str, reports: dict[str, Report], not_graded: list[dict],
            similar: list[dict] | None = None, similarity_note: str = "") -> dict:
    """Everything the page shows, as plain JSON data. Keys: ``assignment``, ``graded`` (students),
    ``not_graded`` ([{student, kind, problem}]), ``scores`` (see :func:`scores`), ``tests`` (per test:
    failure rate and groups), ``timeouts`` ([{student, test}]), ``unanticipated`` (shape clusters,
    largest first), ``tutorial`` (see :func:`tutorial`), ``similar_pairs`` and ``similarity_note``."""
    tests = per_test(reports)
    test_data = []
    for ti in tests:
        d = asdict(ti)
        d["failure_rate"] = ti.failure_rate
        for g, gd in zip(ti.groups, d["groups"]):
            gd["count"] = g.count
            gd.update(_concept(g.key) if g.kind == "cause" else {"tag": "", "concept": ""})
        test_data.append(d)
    unanticipated = sorted(({"test": ti.title, "test_id": ti.id, "shape": g.key, "count": g.count,
                             "students": g.students, "message": g.message}
                            for ti in tests for g in ti.groups if g.kind == "shape"),
                           key=lambda u: (-u["count"], u["test"]))
    return {
        "assignment": assignment_id,
        "graded": sorted(reports),
        "not_graded": not_graded,
        "scores": scores(reports),
        "tests": test_data,
        "timeouts": [{"student": s, "test": ti.title} for ti in tests for s in ti.timeouts],
        "unanticipated": unanticipated,
        "tutorial": tutorial(tests, len(reports)),
        "similar_pairs": similar or [],
        "similarity_note": similarity_note,
    }


# --- similarity ---------------------------------------------------------------------------------
def similarity(assignment: Assignment, folders: dict[str, Path], *, threshold: float = SIMILARITY_THRESHOLD,
               min_tokens: int = MIN_SHARED_TOKENS) -> list[dict]:
    """Pairs of students whose graded modules share code that is not the course's own, most alike first.

    Uses ``copydetect`` (MOSS's winnowing over pygments tokens, with variable and function names
    normalised, so renaming hides nothing). The course's own code is excluded as boilerplate:
    the skeleton (``assignments/<id>/``) and, where present, the reference solution. The reference
    is excluded too because the graded functions are short: every student who gets one right writes
    nearly the reference, and the mutants (the demo's students) are the reference plus one mistake.
    A pair is flagged when the shared code is at least ``threshold`` of either student's own code
    (their tokens outside the boilerplate) and at least ``min_tokens`` tokens long.

    Each pair: ``students`` (two names), ``similarity`` (the larger share), ``shared_tokens``,
    ``files``: [{module, left_html, right_html}] with the shared regions in ``<mark>``.
    """
    import numpy as np
    from copydetect import CodeFingerprint, compare_files

    boilerplate: set[int] = set()
    for base in (assignment.skeleton_dir, assignment.solution_dir):
        for module in assignment.modules:
            path = base / module
            if path.is_file():
                boilerplate |= CodeFingerprint(str(path), NOISE_TOKENS, WINDOW).hashes
    hashes = np.array(sorted(boilerplate), dtype=np.int64)
    prints: dict[str, dict[str, object]] = {}
    for student, folder in sorted(folders.items()):
        for module in assignment.modules:
            path = Path(folder) / module
            if not path.is_file():
                continue
            try:
                fp = CodeFingerprint(str(path), NOISE_TOKENS, WINDOW, boilerplate=hashes)
            except (UnicodeDecodeError, OSError, ValueError):
                continue  # an unreadable module: nothing to compare (the grade says what was wrong)
            prints.setdefault(student, {})[module] = fp
    students = sorted(prints)
    pairs = []
    for i, a in enumerate(students):
        for b in students[i + 1:]:
            shared_a = shared_b = own_a = own_b = 0.0
            files = []
            for module in assignment.modules:
                fa, fb = prints[a].get(module), prints[b].get(module)
                if fa is None or fb is None:
                    continue
                overlap, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fa, fb)
                own_a += fa.token_coverage
                own_b += fb.token_coverage
                shared_a += sim_a * fa.token_coverage
                shared_b += sim_b * fb.token_coverage
                if overlap:
                    files.append({"module": module, "left_html": _marked(fa.raw_code, slices_a),
                                  "right_html": _marked(fb.raw_code, slices_b), "tokens": int(overlap)})
            share = max(shared_a / own_a if own_a else 0.0, shared_b / own_b if own_b else 0.0)
            tokens = sum(f["tokens"] for f in files)
            if share >= threshold and tokens >= min_tokens:
                pairs.append({"students": [a, b], "similarity": round(float(share), 3), "shared_tokens": tokens,
                              "files": files})
    return sorted(pairs, key=lambda p: (-p["similarity"], p["students"]))


def _marked(code: str, slices) -> str:
    """``code`` escaped for HTML with the character ranges in ``slices`` (2 x n) inside ``<mark>``."""
    out, pos = [], 0
    for start, end in sorted(zip(slices[0].tolist(), slices[1].tolist())):
        start = max(start, pos)
        if end <= start:
            continue
        out.append(html.escape(code[pos:start]))
        out.append(f"<mark>{html.escape(code[start:end])}</mark>")
        pos = end
    out.append(html.escape(code[pos:]))
    return "".join(out)


# --- page -----------------------------------------------------------------------------------------
def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def figures(data: dict) -> list[tuple[str, str]]:
    """(caption, base64 PNG) of the score distributions: the total, then one panel per task."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    out = []
    total = data["scores"]["total"]
    values = list(total["points"].values())
    if not values:
        return out
    fig, ax = plt.subplots(figsize=(6, 3))
    top = max(total["possible"], max(values), 1)
    ax.hist(values, bins=min(20, max(5, len(values))), range=(0, top), color="#4a7ab5", edgecolor="white")
    ax.set_xlabel(f"points (of {total['possible']:g}, without bonus)")
    ax.set_ylabel("students")
    ax.set_title(f"{data['assignment']}: total")
    out.append(("Total points", _png(fig)))
    plt.close(fig)
    tasks = data["scores"]["tasks"]
    if tasks:
        cols = min(3, len(tasks))
        rows = -(-len(tasks) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
        for ax, task in zip(axes.flat, tasks):
            pts = list(task["points"].values())
            top = max(task["possible"], max(pts), 1)
            ax.hist(pts, bins=min(10, max(3, len(pts))), range=(0, top), color="#d08c2c" if task["bonus"] else "#4a7ab5",
                    edgecolor="white")
            ax.set_title(f"task {task['key']}" + (" (bonus)" if task["bonus"] else ""), fontsize=9)
            ax.set_xlabel(f"of {task['possible']:g}", fontsize=8)
        for ax in list(axes.flat)[len(tasks):]:
            ax.axis("off")
        fig.tight_layout()
        out.append(("Points per task", _png(fig)))
        plt.close(fig)
    return out


_STYLE = ("body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em;color:#222}"
          "td,th{padding:.2em .6em;border-bottom:1px solid #ddd;vertical-align:top;text-align:left}"
          "table{border-collapse:collapse;margin:.5em 0}pre{white-space:pre-wrap;margin:.2em 0;font-size:90%}"
          ".cause{background:#eef5ee}.shape{background:#fff4e0}.muted{color:#777}"
          ".pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}.pair pre{border:1px solid #ccc;padding:.5em;"
          "overflow:auto;max-height:40em}mark{background:#ffd54f}img{max-width:100%}")


def render(data: dict, figs: list[tuple[str, str]]) -> str:
    """The self-contained HTML page; every string taken from reports or submissions is escaped."""
    e = html.escape
    n = len(data["graded"])
    parts = [f"<h1>{e(data['assignment'])}: class insights</h1>",
             f"<p>{n} graded student{'s' if n != 1 else ''}; {len(data['not_graded'])} not graded "
             "(listed at the end). Generated from the grader's reports; nothing here changes a grade.</p>"]
    parts.append("<h2>What to discuss in the tutorial (draft)</h2>")
    if data["tutorial"]:
        parts.append("<ol>" + "".join(
            f"<li><b>{e(t['cause'])}</b>"
            + (f" <i>(concept: {e(t['concept'])})</i>" if t["concept"] else "")
            + f": {t['count']} student{'s' if t['count'] != 1 else ''} "
            f"({t['share']:.0%}), in {e('; '.join(t['tests']))}</li>" for t in data["tutorial"]) + "</ol>")
    else:
        parts.append("<p>No failure carried a diagnosed cause.</p>")
    if data["unanticipated"]:
        parts.append("<p>Failures no known cause explains (largest first; each may deserve a mutant and a "
                     "<code>likely cause</code>):</p><ul>" + "".join(
                         f"<li>{u['count']} &times; <i>{e(u['test'])}</i>: <code>{e(u['shape'])}</code></li>"
                         for u in data["unanticipated"][:TOP_CAUSES]) + "</ul>")
    parts.append("<h2>Score distribution</h2>")
    parts += [f'<figure><img alt="{e(c)}" src="data:image/png;base64,{png}"><figcaption>{e(c)}</figcaption></figure>'
              for c, png in figs]
    parts.append("<h2>Per test</h2><table><tr><th>Task</th><th>Test</th><th>Failure rate</th><th>Not implemented</th>"
                 "<th>Time-outs</th></tr>")
    for t in data["tests"]:
        rate = f"{len(t['failed'])} / {t['attempted']} ({t['failure_rate']:.0%})" if t["attempted"] else "-"
        parts.append(f"<tr><td>{e(t['task'])}</td><td><a href=\"#{_anchor(t['id'])}\">{e(t['title'])}</a>"
                     f"{' <span class=muted>(hidden)</span>' if t['hidden'] else ''}</td><td>{rate}</td>"
                     f"<td>{len(t['not_implemented'])}</td><td>{len(t['timeouts'])}</td></tr>")
    parts.append("</table>")
    for t in data["tests"]:
        if not t["groups"]:
            continue
        parts.append(f"<h3 id=\"{_anchor(t['id'])}\">Task {e(t['task'])}: {e(t['title'])}</h3>"
                     f"<p class=muted>{e(t['id'])}; failed by {len(t['failed'])} of {t['attempted']} who implemented it</p>"
                     "<table><tr><th>Count</th><th>Cause / message shape</th><th>Students</th>"
                     "<th>Representative message</th><th>Smallest failing input</th></tr>")
        for g in t["groups"]:
            label = (f"<b>likely cause:</b> {e(g['key'])}" if g["kind"] == "cause"
                     else f"<b>no known cause</b>, shape: <code>{e(g['key'])}</code>")
            parts.append(f"<tr class=\"{g['kind']}\"><td>{g['count']}</td><td>{label}</td>"
                         f"<td>{e(', '.join(g['students']))}</td><td><pre>{e(g['message'])}</pre></td>"
                         f"<td><pre>{e(g['counterexample'])}</pre></td></tr>")
        parts.append("</table>")
    parts.append("<h2>Similar submissions</h2><p>Evidence for a human to look at, never a grade change. "
                 "The course's own code (skeleton and reference solution) is left out; shared regions are marked.</p>")
    if data["similarity_note"]:
        parts.append(f"<p class=muted>{e(data['similarity_note'])}</p>")
    if not data["similar_pairs"] and not data["similarity_note"]:
        parts.append("<p>No pair above the threshold.</p>")
    for p in data["similar_pairs"]:
        a, b = p["students"]
        parts.append(f"<h3 class=simpair>{e(a)} and {e(b)}: {p['similarity']:.0%} of own code shared "
                     f"({p['shared_tokens']} tokens)</h3>")
        for f in p["files"]:
            parts.append(f"<p><code>{e(f['module'])}</code></p><div class=pair><pre>{f['left_html']}</pre>"
                         f"<pre>{f['right_html']}</pre></div>")
    parts.append("<h2>Not student mistakes</h2>")
    if data["not_graded"]:
        parts.append("<table><tr><th>Student</th><th>Kind</th><th>Problem</th></tr>" + "".join(
            f"<tr><td>{e(r['student'])}</td><td>{e(r['kind'])}</td><td><pre>{e(r['problem'])}</pre></td></tr>"
            for r in data["not_graded"]) + "</table>")
    else:
        parts.append("<p>Every submission was graded: no grader errors, no unusable inputs.</p>")
    if data["timeouts"]:
        parts.append("<p>Time-outs (a test stopped: an endless loop, or code far too slow):</p><ul>" + "".join(
            f"<li>{e(t['student'])}: {e(t['test'])}</li>" for t in data["timeouts"]) + "</ul>")
    script = ("<script>addEventListener('load',()=>{const ok=[...document.images].filter("
              "i=>i.complete&&i.naturalWidth>0).length;document.body.dataset.figuresRendered=ok;});</script>")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{e(data['assignment'])}: class insights</title><style>{_STYLE}</style></head><body>"
            + "\n".join(parts) + script + "</body></html>\n")


def _anchor(test_id: str) -> str:
    return "t-" + re.sub(r"[^A-Za-z0-9_-]", "-", test_id)


def write_csv(path: Path, data: dict) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["test_id", "test", "task", "failure_rate", "kind", "key", "count", "students", "message",
                    "counterexample"])
        for t in data["tests"]:
            for g in t["groups"]:
                w.writerow([t["id"], t["title"], t["task"], f"{t['failure_rate']:.3f}", g["kind"], g["key"],
                            g["count"], ";".join(g["students"]), g["message"], g["counterexample"]])
            if t["timeouts"]:
                w.writerow([t["id"], t["title"], t["task"], f"{t['failure_rate']:.3f}", "timeout", "", len(t["timeouts"]),
                            ";".join(t["timeouts"]), "", ""])
            if t["not_implemented"]:
                w.writerow([t["id"], t["title"], t["task"], f"{t['failure_rate']:.3f}", "not implemented", "",
                            len(t["not_implemented"]), ";".join(t["not_implemented"]), "", ""])
        for r in data["not_graded"]:
            w.writerow(["", "", "", "", r["kind"], "", 1, r["student"], r["problem"], ""])


def write_similarity_csv(path: Path, pairs: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student_a", "student_b", "similarity", "shared_tokens", "modules"])
        for p in pairs:
            w.writerow([*p["students"], p["similarity"], p["shared_tokens"], ";".join(f["module"] for f in p["files"])])


def submission_folders(assignment: Assignment, submissions: Path, grades: Path) -> dict[str, Path]:
    """{student: folder with the graded modules}, found as ``grade`` finds them (``batch.inputs``);
    zips are unpacked under ``grades/_submissions`` as ``grade`` does."""
    from .batch import inputs

    found = inputs.discover(Path(submissions), Path(grades) / "_submissions", assignment)
    return {s.student: s.folder for s in found.values() if not s.problem and s.folder is not None}


def build(assignment: Assignment, grades: Path, out: Path | None = None, submissions: Path | None = None) -> Path:
    """Write the page, JSON and CSV files of ``grades`` into ``out`` (default ``grades/insights``, or
    ``grades/_insights`` when a student is called "insights");
    return the page's path. Raises :class:`InsightsError` for a folder that is not a grade output."""
    grades = Path(grades)
    reports, not_graded = load(grades)
    if out is None:  # a student called "insights" keeps their folder to themselves
        out = grades / ("_insights" if (grades / "insights" / "report.json").exists() else "insights")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    similar, note = [], ""
    if submissions is None:
        note = "Not checked: pass --submissions (the folder or zip that was graded) to compare the code."
    else:
        try:
            similar = similarity(assignment, submission_folders(assignment, submissions, grades))
        except ImportError:
            note = "Not checked: copydetect is not installed (pip install -c constraints.txt -e .)."
        except ValueError as exc:  # batch.inputs.WrongInput and friends
            note = f"Not checked: the submissions could not be read ({exc})."
    data = analyse(assignment.id, reports, not_graded, similar, note)
    (out / "insights.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    write_csv(out / "insights.csv", data)
    write_similarity_csv(out / "similarity.csv", similar)
    page = out / "insights.html"
    page.write_text(render(data, figures(data)), encoding="utf-8")
    return page


def main(assignment: Assignment, grades: Path, out: Path | None = None, submissions: Path | None = None) -> int:
    """``python -m autograder insights``: 0 when the page was written, 2 for a folder that is not a grade output."""
    import sys

    if submissions is not None and not Path(submissions).exists():
        print(f"error: {submissions} does not exist (the folder or zip that was graded)", file=sys.stderr)
        return 2
    try:
        page = build(assignment, grades, out, submissions)
    except InsightsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"insights: {page}")
    return 0


def build_quietly(assignment: Assignment, grades: Path, submissions: Path | None = None) -> str:
    """For the end of ``grade``: the page's path, or in words why it was not written. Never raises:
    the grades are saved by then, and the page is an extra that must not change the batch's outcome."""
    try:
        return str(build(assignment, grades, None, submissions))
    except Exception as exc:  # noqa: BLE001 - reported, not raised (see above)
        return (f"not written ({type(exc).__name__}: {exc}); retry with `python -m autograder insights "
                f"{assignment.id} --grades {grades}`")


# --- across assignments -----------------------------------------------------------------------------
def course(grade_dirs: list[Path], out: Path) -> Path:
    """``insights --course``: per student, the misconceptions (concept tags, see ``concepts.py``) that
    recur, i.e. whose diagnosed causes appear in failures of two or more assignments. Students are
    matched across assignments by their folder name in the grade folders. Writes ``course.html``,
    ``course.json`` ({"assignments": [...], "recurring": {student: {tag: [assignments]}}, "concepts":
    {tag: concept}}) and ``course.csv`` into ``out``; returns the page's path.
    Raises :class:`InsightsError` for a folder that is not a grade output."""
    from .concepts import CONCEPTS, tag_of

    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    assignments = []
    for folder in grade_dirs:
        reports, _ = load(Path(folder))
        ids = sorted({r.assignment for r in reports.values()}) or [Path(folder).name]
        assignment = ids[0]
        assignments.append(assignment)
        for ti in per_test(reports):
            for g in ti.groups:
                found = tag_of(g.key) if g.kind == "cause" else None
                if found:
                    for student in g.students:
                        seen[student][found.tag].add(assignment)
    recurring = {student: {tag: sorted(where) for tag, where in sorted(tags.items()) if len(where) >= 2}
                 for student, tags in sorted(seen.items())}
    recurring = {s: t for s, t in recurring.items() if t}
    data = {"assignments": assignments, "recurring": recurring, "concepts": {c.tag: c.concept for c in CONCEPTS}}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "course.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    with (out / "course.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "tag", "concept", "assignments"])
        for student, tags in recurring.items():
            for tag, where in tags.items():
                w.writerow([student, tag, data["concepts"][tag], ";".join(where)])
    e = html.escape
    rows = "".join(f"<tr><td>{e(student)}</td><td>{e(tag)}</td><td>{e(data['concepts'][tag])}</td>"
                   f"<td>{e(', '.join(where))}</td></tr>" for student, tags in recurring.items() for tag, where in tags.items())
    body = (f"<h1>Recurring misconceptions</h1><p>Across {e(', '.join(assignments))}: the students whose failures "
            "show the same misconception in two or more assignments.</p>"
            + (f"<table><tr><th>Student</th><th>Tag</th><th>Concept</th><th>Assignments</th></tr>{rows}</table>"
               if rows else "<p>No misconception recurs for any student.</p>"))
    page = out / "course.html"
    page.write_text("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Recurring misconceptions</title>"
                    f"<style>{_STYLE}</style></head><body>{body}</body></html>\n", encoding="utf-8")
    return page


def course_main(grade_dirs: list[Path], out: Path) -> int:
    """``python -m autograder insights --course``: 0 when written, 2 for a folder that is not a grade output."""
    import sys

    try:
        page = course(grade_dirs, out)
    except InsightsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"course insights: {page}")
    return 0
