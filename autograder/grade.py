"""Batch grading: one child process per submission, results persisted as soon as known.

Layout of ``--out``::

    grades.csv                       student, points per task, total, bonus, max
    <student>/results.json           the full Report (plain JSON)
    <student>/feedback.md            what the student reads

A rerun skips students that already have ``results.json`` (so an interrupted batch resumes);
``force=True`` regrades everyone.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from . import feedback
from .course import Assignment
from .results import Report, TestResult

SUBMISSION_TIMEOUT_S = 900


def expected_tests(assignment: Assignment) -> list[TestResult]:
    """The graded tests of the full suite, collected without running any student code."""
    import contextlib
    import io

    import pytest

    from .pytest_plugin import GradeCollector

    collector = GradeCollector()
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main([str(assignment.tests_dir()), "--collect-only", "-q", "-p", "no:cacheprovider",
                     "-o", "addopts=", "--import-mode=importlib", f"--rootdir={assignment.tests_dir()}"],
                    plugins=[collector])
    return collector.report().tests


def grade_one(assignment: Assignment, folder: Path, *, timeout: float = SUBMISSION_TIMEOUT_S,
              expected: list[TestResult] | None = None) -> Report:
    """Grade ``folder`` in a fresh child process; a crash or timeout zeroes the tests that did not report."""
    with tempfile.TemporaryDirectory(prefix="grade-") as scratch:
        out = Path(scratch) / "report.json"
        cmd = [sys.executable, "-m", "autograder", "check", assignment.id, "--submission", str(Path(folder).resolve()),
               "--json", str(out), "--quiet"]
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
        problem = ""
        try:
            proc = subprocess.run(cmd, cwd=scratch, env=env, capture_output=True, text=True, timeout=timeout)
            if not out.is_file():
                last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                problem = f"the grader stopped before reporting (exit code {proc.returncode}): {last}"
        except subprocess.TimeoutExpired:
            problem = f"grading took longer than {timeout:g} s and was stopped"
        if not problem:
            return Report.from_json(out.read_text())
    tests = [TestResult(**{**t.__dict__, "outcome": "not run", "message": problem})
             for t in (expected if expected is not None else expected_tests(assignment))]
    return Report(assignment.id, str(folder), tests, error=problem)


def write_csv(path: Path, reports: dict[str, Report]) -> None:
    task_keys = sorted({t.task for r in reports.values() for t in r.tests}, key=lambda k: (len(k), k))
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", *(f"task {k}" for k in task_keys), "total", "bonus", "max", "error"])
        for student, r in sorted(reports.items()):
            per_task = {t.key: t.earned for t in r.tasks()}
            writer.writerow([student, *(f"{per_task.get(k, 0):g}" for k in task_keys),
                             f"{r.earned - r.bonus_earned:g}", f"{r.bonus_earned:g}", f"{r.possible:g}", r.error])
    tmp.replace(path)


def table(reports: dict[str, Report]) -> str:
    lines = [f"{'student':<34} {'points':>9}  {'bonus':>5}  status"]
    for student, r in sorted(reports.items()):
        status = "full marks" if r.full_marks else (r.error or f"{sum(t.outcome != 'passed' for t in r.tests)} tests failed")
        lines.append(f"{student:<34} {r.earned - r.bonus_earned:>4g} / {r.possible:<3g} {r.bonus_earned:>5g}  {status[:60]}")
    return "\n".join(lines)


def grade_batch(assignment: Assignment, submissions: Path, out: Path, *, workers: int | None = None,
                force: bool = False, progress: bool = True) -> dict[str, Report]:
    """Grade every sub-folder of ``submissions``; returns {student: Report}."""
    out.mkdir(parents=True, exist_ok=True)
    students = sorted(p.name for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    reports: dict[str, Report] = {}
    todo = []
    for s in students:
        saved = out / s / "results.json"
        if saved.is_file() and not force:
            reports[s] = Report.from_json(saved.read_text())
        else:
            todo.append(s)
    expected = expected_tests(assignment) if todo else []
    workers = workers or os.cpu_count() or 1
    from tqdm import tqdm

    bar = tqdm(total=len(todo), desc=f"grading {assignment.id}", unit="submission",
               disable=not progress or not sys.stderr.isatty())
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(grade_one, assignment, submissions / s, expected=expected): s for s in todo}
        for future in as_completed(futures):
            student = futures[future]
            report = future.result()
            report.submission = student
            (out / student).mkdir(exist_ok=True)
            (out / student / "feedback.md").write_text(feedback.markdown(report))
            report.save(out / student / "results.json")  # saved last: its presence means "done"
            reports[student] = report
            bar.update()
            if not bar.disable:
                continue
            if progress:
                print(f"graded {student}: {report.earned - report.bonus_earned:g} / {report.possible:g}", file=sys.stderr)
    bar.close()
    write_csv(out / "grades.csv", reports)
    return reports


def main(assignment: Assignment, submissions: Path, out: Path, *, force: bool = False, workers: int | None = None) -> int:
    if not submissions.is_dir():
        print(f"error: {submissions} is not a folder of submissions (one sub-folder per student)", file=sys.stderr)
        return 2
    reports = grade_batch(assignment, submissions, out, workers=workers, force=force)
    print(table(reports))
    print(f"\nwrote {out / 'grades.csv'} and feedback for {len(reports)} students")
    return 0
