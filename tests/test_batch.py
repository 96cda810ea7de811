"""Batch grading never loses or duplicates a grade: SIGKILL and rerun, Dask gives the same grades,
LMS zips are unpacked safely, and every output format is written."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder import course, grade, mutants
from autograder.sandbox.limits import Limits

A3 = course.get("a3_positional_encoding")
REFERENCE = (A3.solution_dir / "positional_encoding.py").read_text()
LIMITS = Limits(test_s=20, import_s=20, submission_s=300)


def make_submissions(root: Path, n_mutants: int = 6) -> Path:
    mutants.copy_submission(A3.solution_dir, root / "reference")
    mutants.copy_submission(A3.skeleton_dir, root / "skeleton")
    for m in mutants.load(A3)[:n_mutants]:
        mutants.apply(A3, m, root / m.name)
    return root


def cli(*args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "autograder", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "MPLBACKEND": "Agg"}, **kwargs)


def graded_lines(out: Path) -> list[str]:
    log = out / "grading.log"
    return [line.split("graded ", 1)[1].split(":")[0] for line in log.read_text().splitlines()
            if " graded " in line] if log.exists() else []


def rows(out: Path) -> list[dict]:
    return list(csv.DictReader((out / "grades.csv").open()))


def test_sigkill_mid_batch_then_rerun_grades_everyone_exactly_once(tmp_path):
    subs = make_submissions(tmp_path / "subs")
    students = sorted(p.name for p in subs.iterdir())
    out = tmp_path / "out"
    first = cli("grade", A3.id, str(subs), "--out", str(out), "--workers", "1")
    deadline = time.monotonic() + 300
    while len(graded_lines(out)) < 2:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first run graded nothing"
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = {p.parent.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("*/report.json")}
    assert 2 <= len(before) < len(students), "the kill should land mid-batch"
    time.sleep(1)
    orphans = [p for p in Path("/proc").glob("[0-9]*/cmdline")
               if f"autograder.batch.worker\0{first.pid}".encode() in _read(p)]
    assert not orphans, "workers die with the grader"

    second = cli("grade", A3.id, str(subs), "--out", str(out), "--workers", "2")
    stdout, stderr = second.communicate(timeout=600)
    assert second.returncode == 0, stderr
    table = rows(out)
    assert sorted(r["student"] for r in table) == students, "every submission exactly once in grades.csv"
    for student, stamp in before.items():
        path = out / student / "report.json"
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stamp, f"{student} was graded again"
    assert sorted(graded_lines(out)) == students, "the log shows each grade once across both runs"
    by_student = {r["student"]: r for r in table}
    assert by_student["reference"]["total"] == "18" and by_student["skeleton"]["total"] == "0"
    assert "not implemented yet" in (out / "skeleton" / "feedback.md").read_text()  # the zero's reason
    for student in students:
        for name in ("report.json", "results.json", "feedback.md", "feedback.html"):
            assert (out / student / name).is_file(), (student, name)
    assert "[" in stderr and f"/{len(students) - len(before)}]" in stderr, "quiet progress lines in a pipe"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_lms_zip_exports_are_unpacked_safely(tmp_path):
    skeleton = (A3.skeleton_dir / "positional_encoding.py").read_text()
    moodle = tmp_path / "moodle.zip"
    with zipfile.ZipFile(moodle, "w") as zf:
        zf.writestr("A3 export/Alice Smith_123_assignsubmission_file_/positional_encoding.py", REFERENCE)
        zf.writestr("A3 export/Bob Jones_456_assignsubmission_file_/positional_encoding.py", skeleton)
        zf.writestr("A3 export/__MACOSX/._junk", "junk")
        zf.writestr("../escaped.py", "pwned")
        zf.writestr("/absolute.py", "pwned")
        link = zipfile.ZipInfo("A3 export/Bob Jones_456_assignsubmission_file_/link")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    out = tmp_path / "out-moodle"
    reports = grade.grade_batch(A3, moodle, out, workers=2, progress=False, limits=LIMITS)
    assert sorted(reports) == ["Alice Smith_123", "Bob Jones_456"]
    assert reports["Alice Smith_123"].earned == 22
    assert reports["Bob Jones_456"].earned == 0
    assert all(t.message.startswith("not implemented yet") for t in reports["Bob Jones_456"].tests)  # the reason
    assert not list(tmp_path.rglob("escaped.py")) and not list(tmp_path.rglob("absolute.py"))
    assert not list(out.rglob("link"))

    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("carol-a3/positional_encoding.py", REFERENCE)
    canvas = tmp_path / "canvas.zip"
    with zipfile.ZipFile(canvas, "w") as zf:
        zf.writestr("alice_12_34_positional_encoding.py", REFERENCE)
        zf.writestr("bob_LATE_56_78_positional_encoding-1.py", skeleton)
        zf.writestr("carol_9_10_submission.zip", inner.read_bytes())
    reports = grade.grade_batch(A3, canvas, tmp_path / "out-canvas", workers=2, progress=False, limits=LIMITS)
    assert {k: r.earned for k, r in reports.items()} == {"alice_12": 22, "bob_56": 0, "carol_9": 22}


def test_outputs_gradescope_html_and_force(tmp_path):
    subs = tmp_path / "subs"
    (subs / "mallory").mkdir(parents=True)
    (subs / "mallory" / "positional_encoding.py").write_text(
        REFERENCE + "\ndef attention_scores(X, E, mode):\n    raise ValueError('<script>alert(1)</script>')\n")
    out = tmp_path / "out"
    reports = grade.grade_batch(A3, subs, out, workers=1, progress=False, limits=LIMITS)
    report = reports["mallory"]
    results = json.loads((out / "mallory" / "results.json").read_text())
    assert results["score"] == report.earned == 17  # bad-input test passes: it raises ValueError
    assert len(results["tests"]) == len(report.tests)
    for entry, test in zip(sorted(results["tests"], key=lambda e: e["name"]), sorted(report.tests, key=lambda t: t.title)):
        assert entry["max_score"] == test.points and entry["score"] == test.earned
        assert entry["visibility"] == ("after_published" if test.hidden else "visible")
    page = (out / "mallory" / "feedback.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<script>" in (out / "mallory" / "feedback.md").read_text()  # Markdown is text; the HTML is what renders
    assert rows(out)[0]["total"] == "13"
    stamp = (out / "mallory" / "report.json").stat().st_mtime_ns
    grade.grade_batch(A3, subs, out, workers=1, progress=False, limits=LIMITS)
    assert (out / "mallory" / "report.json").stat().st_mtime_ns == stamp, "a rerun does not regrade"
    grade.grade_batch(A3, subs, out, workers=1, progress=False, limits=LIMITS, force=True)
    assert (out / "mallory" / "report.json").stat().st_mtime_ns != stamp, "--force regrades"
    assert grade.load_reports(out)["mallory"].earned == 17


def test_cli_has_the_scheduler_option():
    from autograder.cli import build_parser

    args = build_parser().parse_args(["grade", A3.id, "subs", "--out", "o", "--scheduler", "tcp://host:8786"])
    assert args.scheduler == "tcp://host:8786"


def test_regrade_selected_students_leaves_everyone_else_untouched(tmp_path):
    """`grade --student bob`: bob's saved grade is replaced, alice's and carol's files are not touched."""
    subs = tmp_path / "subs"
    mutants.copy_submission(A3.solution_dir, subs / "alice")
    mutants.copy_submission(A3.skeleton_dir, subs / "bob")
    mutants.apply(A3, mutants.load(A3)[0], subs / "carol")
    out = tmp_path / "out"
    grade.grade_batch(A3, subs, out, workers=1, progress=False, limits=LIMITS)
    before = {s: (out / s / "report.json").stat() for s in ("alice", "carol")}
    assert rows(out)[1]["student"] == "bob" and rows(out)[1]["total"] == "0"
    assert "not implemented yet" in (out / "bob" / "feedback.md").read_text()  # the zero's reason
    (subs / "bob" / "positional_encoding.py").write_text(REFERENCE)  # bob's corrected hand-in
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", A3.id, str(subs), "--out", str(out),
                           "--workers", "1", "--student", "bob"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "AUTOGRADER_MAX_EXAMPLES": "5"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for student, stat in before.items():
        now = (out / student / "report.json").stat()
        assert (now.st_ino, now.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns), f"{student} was touched"
    table = {r["student"]: r for r in rows(out)}
    assert sorted(table) == ["alice", "bob", "carol"]
    assert table["bob"]["total"] == "18" and table["alice"]["total"] == "18"
    assert sorted(graded_lines(out)) == ["alice", "bob", "bob", "carol"], "bob alone was graded again"
    unknown = subprocess.run([sys.executable, "-m", "autograder", "grade", A3.id, str(subs), "--out", str(out),
                              "--student", "zoe"], capture_output=True, text=True, timeout=300)
    assert unknown.returncode == 2 and "no submission of zoe" in unknown.stderr


def test_group_submissions_give_each_member_the_grade_and_report_double_membership(tmp_path):
    """alice hands in for alice+bob (group.txt); carol for carol+dave via the LMS group export; erin
    is in two groups and handed in alone: reported, not counted twice; everyone appears once."""
    subs = tmp_path / "subs"
    mutants.copy_submission(A3.solution_dir, subs / "alice")
    (subs / "alice" / "group.txt").write_text("# our pair\nalice\nbob\nerin\n")
    mutants.copy_submission(A3.skeleton_dir, subs / "team-7")
    mutants.copy_submission(A3.solution_dir, subs / "erin")
    export = tmp_path / "groups.csv"
    export.write_text("group,student\nteam-7,carol\nteam-7,dave\n")
    out = tmp_path / "out"
    reports = grade.grade_batch(A3, subs, out, workers=1, progress=False, limits=LIMITS, groups_file=export)
    table = {r["student"]: r for r in rows(out)}
    assert sorted(table) == ["alice", "bob", "carol", "dave", "erin", "team-7"]
    assert table["bob"]["total"] == table["alice"]["total"] == "18" and table["bob"]["group"] == "alice"
    assert table["carol"]["total"] == "0" and table["carol"]["group"] == "team-7"
    assert "not implemented yet" in (out / "carol" / "feedback.md").read_text()  # the zero's reason
    assert "handed in as **alice**" in (out / "bob" / "feedback.md").read_text()
    assert "in 2 submissions (erin, alice)" in table["erin"]["error"] and not reports["erin"].graded
    assert not (out / "erin" / "report.json").exists(), "an undecided grade is not saved"
    again = grade.grade_batch(A3, subs, out, workers=1, progress=False, limits=LIMITS, groups_file=export)
    assert again["bob"].earned == 22 and sorted(again) == sorted(reports)
