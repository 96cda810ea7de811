"""The course export for the LMS: autograded points from `grade` folders, the TAs' manual points
from a real nbgrader gradebook, the late deduction, a roster; Canvas and Moodle layouts."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from autograder import course
from autograder.batch.store import Store
from autograder.results import Report
from autograder.results import TestResult as Result

A2, A3 = course.get("a2_contrastive"), course.get("a3_positional_encoding")


def saved_report(out: Path, assignment, student: str, earned: float, fraction: float = 0.0) -> None:
    """A grade as `grade` saves it: one passed test worth ``earned`` and one failed test."""
    tests = [Result("t::a", "a", "1", "task", earned, False, False, "passed"),
             Result("t::b", "b", "1", "task", 5.0, False, False, "failed", "expected 1, got 2")]
    late = {"due": "2026-11-20T22:59:00+00:00", "submitted": "", "source": "LMS late flag",
            "seconds_late": 43200.0, "policy": "10%/day", "fraction": fraction} if fraction else {}
    Store(out / assignment.id).save(student, Report(assignment.id, student, tests, late=late))


def gradebook_with_manual_points(path: Path, assignment, points: dict[str, float]) -> str:
    from nbgrader.api import Gradebook

    url = f"sqlite:///{path}"
    with Gradebook(url) as gb:
        gb.add_assignment(assignment.id)
        gb.add_notebook("report", assignment.id)
        gb.add_grade_cell("task2_plot", "report", assignment.id, max_score=4, cell_type="code")
        gb.add_grade_cell("tests_task2", "report", assignment.id, max_score=12, cell_type="code")
        for student, score in points.items():
            gb.add_student(student)
            gb.add_submission(assignment.id, student)
            gb.find_grade("task2_plot", "report", assignment.id, student).manual_score = score
            gb.find_grade("tests_task2", "report", assignment.id, student).auto_score = 99  # not manual: ignored
        gb.db.commit()
    return url


def export(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}  # alembic
    return subprocess.run([sys.executable, "-m", "autograder", "export", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_course_export_combines_auto_manual_and_late_and_lists_missing_students(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])  # alembic
    grades = tmp_path / "grades"
    saved_report(grades, A3, "alice", 10)
    saved_report(grades, A3, "bob", 8, fraction=0.1)
    saved_report(grades, A2, "alice", 20)
    db = gradebook_with_manual_points(tmp_path / "gb.db", A3, {"alice": 3, "bob": 2})
    roster = tmp_path / "roster.csv"
    roster.write_text("student,name,lms_id,sis_id,login,section\n"
                      "alice,Alice Smith,101,S1,asmith,A\nbob,Bob Jones,102,S2,bjones,A\ncarol,Carol Wu,103,S3,cwu,B\n")
    out = tmp_path / "course.csv"
    proc = export("--course", str(grades), "--gradebook", db, "--roster", str(roster), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    assert list(rows) == ["alice", "bob", "carol"]
    assert rows["alice"][f"{A3.id} total"] == "13" and rows["alice"][f"{A2.id} total"] == "20"
    assert rows["alice"]["course total"] == "33" and rows["alice"]["lms_id"] == "101"
    assert rows["bob"][f"{A3.id} manual"] == "2" and rows["bob"][f"{A3.id} late deduction"] == "1"
    assert rows["bob"][f"{A3.id} total"] == "9"  # (8 + 2) less 10%
    assert rows["carol"]["course total"] == "0" and f"{A3.id}: no submission" in rows["carol"]["notes"]
    assert f"{A2.id}: no submission" in rows["bob"]["notes"]

    canvas = tmp_path / "canvas.csv"
    assert export("--course", str(grades), "--gradebook", db, "--roster", str(roster), "--layout", "canvas",
                  "--out", str(canvas)).returncode == 0
    header, *lines = list(csv.reader(canvas.open()))
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A2.title, A3.title]
    assert lines[1] == ["Bob Jones", "102", "S2", "bjones", "A", "0", "9"]
    moodle = tmp_path / "moodle.csv"
    assert export("--course", str(grades), "--roster", str(roster), "--layout", "moodle",
                  "--out", str(moodle)).returncode == 0
    assert list(csv.reader(moodle.open()))[0] == ["ID number", "Full name", A2.title, A3.title]


def test_export_refuses_bad_input_with_a_clear_message(tmp_path):
    grades = tmp_path / "grades"
    saved_report(grades, A3, "alice", 10)
    bad_roster = tmp_path / "roster.csv"
    bad_roster.write_text("folder,lms\nalice,1\n")
    proc = export("--course", str(grades), "--roster", str(bad_roster), "--out", str(tmp_path / "x.csv"))
    assert proc.returncode == 2 and "lacks the column(s) student, name, lms_id" in proc.stderr
    proc = export("--course", str(grades), "--layout", "canvas", "--out", str(tmp_path / "x.csv"))
    assert proc.returncode == 2 and "needs LMS ids: pass --roster" in proc.stderr
    proc = export("--course", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.csv"))
    assert proc.returncode == 2 and "is not a folder" in proc.stderr
    assert not (tmp_path / "x.csv").exists()
