"""Everything a batch writes under ``--out``, and how a rerun knows what is done.

    <student>/report.json     the grader's Report (plain JSON); written once, atomically, the
                              moment the grade is known: its presence means "graded"
    <student>/results.json    the same grade in Gradescope's autograder format
    <student>/feedback.md     what the student reads (Markdown) ...
    <student>/feedback.html   ... and as a standalone HTML page
    grades.csv                one row per graded student, rewritten atomically after each grade
    grading.log               one line per event, appended and flushed

The derived files are rendered from ``report.json`` and re-rendered by a rerun if missing, so a
kill between writes never loses or duplicates a grade.
"""
from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

from .. import feedback
from ..results import Report

REPORT = "report.json"


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def gradescope(report: Report, seconds: float | None = None) -> dict:
    """Gradescope's ``results.json``: https://gradescope-autograders.readthedocs.io/en/latest/specs/"""
    tests = []
    for task in report.tasks():
        for i, t in enumerate(task.tests, 1):
            tests.append({
                "name": t.title,
                "name_format": "text",
                "number": f"{task.key}.{i}",
                "score": t.earned,
                "max_score": t.points,
                "status": "passed" if t.outcome == "passed" else "failed",
                "output": "" if t.outcome == "passed" else (t.message or t.outcome),
                "output_format": "text",
                "tags": [f"task {task.key}"] + (["bonus"] if t.bonus else []),
                "visibility": "after_published" if t.hidden else "visible",
            })
    out = {
        "score": report.earned,
        "output": feedback.text(report),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    if seconds is not None:
        out["execution_time"] = round(seconds, 3)
    return out


class Store:
    def __init__(self, out: Path):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.log_path = self.out / "grading.log"

    def folder(self, student: str) -> Path:
        return self.out / student

    def load(self, student: str) -> Report | None:
        path = self.folder(student) / REPORT
        if not path.is_file():
            return None
        try:
            return Report.from_json(path.read_text())
        except (ValueError, TypeError, KeyError):
            return None  # a torn or foreign file: grade again

    def save(self, student: str, report: Report, seconds: float | None = None) -> None:
        """Persist the grade (atomic), then the files derived from it."""
        folder = self.folder(student)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / REPORT, report.to_json())
        self.render(student, report, seconds)

    def render(self, student: str, report: Report, seconds: float | None = None, *, only_missing: bool = False) -> None:
        folder = self.folder(student)
        files = {
            "results.json": lambda: json.dumps(gradescope(report, seconds), indent=2),
            "feedback.md": lambda: feedback.markdown(report),
            "feedback.html": lambda: feedback.html(report),
        }
        for name, make in files.items():
            if not (only_missing and (folder / name).is_file()):
                atomic_write(folder / name, make())

    def log(self, message: str) -> None:
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        with self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(f"{stamp} {message}\n")
            fh.flush()
            os.fsync(fh.fileno())
