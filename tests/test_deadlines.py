"""Deadlines and the late policy: submission times from the source that has them, nbgrader's own
lateness agrees, and grades.csv and the feedback say what was deducted and why."""
from __future__ import annotations

import csv
import datetime as dt
import os

import pytest

from autograder import course, grade, mutants
from autograder.deadlines import Deadline, LatePolicy, PolicyError, lateness, parse_due, parse_policy, submission_time
from autograder.sandbox.limits import Limits

A3 = course.get("a3_positional_encoding")
UTC = dt.timezone.utc
DUE = dt.datetime(2026, 11, 20, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # 22:59 UTC
POLICY = "10%/day, cap 50%, grace 15m"


@pytest.mark.parametrize("late_by, fraction", [
    (dt.timedelta(minutes=-5), 0.0),           # on time
    (dt.timedelta(minutes=10), 0.0),           # within the grace period
    (dt.timedelta(minutes=16), 0.10),          # first started day
    (dt.timedelta(hours=24, minutes=15), 0.10),  # grace, then exactly one day
    (dt.timedelta(hours=25), 0.20),            # second started day
    (dt.timedelta(days=30), 0.50),             # the cap
])
def test_percent_per_started_day_with_grace_and_cap(late_by, fraction):
    assert parse_policy(POLICY).fraction(late_by) == pytest.approx(fraction)


def test_policy_texts():
    assert parse_policy("none") == LatePolicy() and parse_policy("") == LatePolicy()
    zero = parse_policy("zero, grace 2h")
    assert zero.fraction(dt.timedelta(hours=1)) == 0 and zero.fraction(dt.timedelta(hours=3)) == 1
    assert str(parse_policy(POLICY)) == POLICY
    for bad in ("ten percent", "10%/day, cap fifty", "zero, cap 50%"):
        with pytest.raises(PolicyError, match="late policy"):
            parse_policy(bad)
    with pytest.raises(PolicyError, match="UTC offset"):
        parse_due("2026-11-20T23:59:00")


def test_lateness_agrees_with_nbgrader(tmp_path, monkeypatch):
    """The same timestamp.txt and due date give nbgrader's own ``total_seconds_late``."""
    import sys

    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])  # alembic

    stamp = "2026-11-22 01:29:30.123456 UTC"
    ours = lateness(Deadline(DUE.astimezone(UTC), parse_policy(POLICY)), submission_time(None, submitted_at=stamp))
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        gb.add_assignment("a3", duedate=DUE.astimezone(UTC).replace(tzinfo=None))
        gb.add_student("alice")
        submission = gb.update_or_create_submission("a3", "alice", timestamp=parse_utc(stamp))
        assert ours.seconds_late == pytest.approx(submission.total_seconds_late)
    assert ours.source == "nbgrader timestamp.txt" and ours.fraction == pytest.approx(0.2)


def test_a_late_flag_without_a_time_counts_as_one_started_day():
    late = lateness(Deadline(DUE, parse_policy(POLICY)), submission_time(None, late_flag=True))
    assert late.source == "LMS late flag" and late.submitted == "" and late.fraction == pytest.approx(0.1)
    assert "Submitted late (LMS late flag): 10% of your points deducted" in late.sentence(20)


def test_batch_records_lateness_from_nbgrader_timestamps_and_file_times(tmp_path, monkeypatch):
    """alice on time and bob 1 day 2 h late (nbgrader's timestamp.txt); carol in a plain folder,
    her newest file 3 h late: raw points, lateness and final points in grades.csv, the deduction
    and its reason in the feedback."""
    monkeypatch.setenv("AUTOGRADER_MAX_EXAMPLES", "5")
    submitted = tmp_path / "submitted"
    for name, stamp in (("alice", "2026-11-20 20:00:00.000000 UTC"), ("bob", "2026-11-22 00:59:00.000000 UTC")):
        folder = mutants.copy_submission(A3.solution_dir, submitted / name / A3.id)
        (folder / "timestamp.txt").write_text(stamp + "\n")
    deadline = Deadline.of(A3.config, due=DUE.isoformat(), policy=POLICY)
    limits = Limits(test_s=20, import_s=20, submission_s=300)
    out = tmp_path / "out"
    reports = grade.grade_batch(A3, submitted, out, workers=1, progress=False, limits=limits, deadline=deadline)
    assert reports["alice"].late["seconds_late"] == 0 and reports["alice"].final == 22
    assert reports["bob"].late["seconds_late"] == 26 * 3600 and reports["bob"].late["fraction"] == pytest.approx(0.2)
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").open())}
    assert rows["bob"]["total"] == "18" and rows["bob"]["bonus"] == "4"
    assert rows["bob"]["hours late"] == "26.00" and rows["bob"]["late deduction"] == "4.4" and rows["bob"]["final"] == "17.6"
    assert rows["alice"]["late deduction"] == "0" and rows["alice"]["final"] == "22"
    feedback = (out / "bob" / "feedback.md").read_text()
    assert "Submitted 1 day 2 h after the due date (nbgrader timestamp.txt): 20% of your points deducted" in feedback
    assert "Final points: **17.6**" in feedback

    plain = tmp_path / "plain"
    carol = mutants.copy_submission(A3.solution_dir, plain / "carol")
    late_time = (DUE + dt.timedelta(hours=3)).timestamp()
    for path in carol.rglob("*"):
        os.utime(path, (late_time, late_time))
    out2 = tmp_path / "out2"
    reports = grade.grade_batch(A3, plain, out2, workers=1, progress=False, limits=limits, deadline=deadline)
    assert reports["carol"].late["source"] == "newest file time"
    assert reports["carol"].late["seconds_late"] == pytest.approx(3 * 3600) and reports["carol"].final == pytest.approx(19.8)


def test_without_a_due_date_nothing_is_deducted_and_the_cli_refuses_a_bad_policy(tmp_path):
    import subprocess
    import sys

    assert Deadline.of(A3.config).due is None  # a3's assignment.toml sets no due date
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", A3.id, str(tmp_path), "--out",
                           str(tmp_path / "out"), "--late-policy", "lots"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "unknown late policy 'lots'" in proc.stderr


def test_canvas_zip_late_flag_is_deducted(tmp_path, monkeypatch):
    """A Canvas export marks a late file with LATE in its name (and no time): one started day."""
    import zipfile

    monkeypatch.setenv("AUTOGRADER_MAX_EXAMPLES", "5")
    reference = (A3.solution_dir / "positional_encoding.py").read_text()
    export = tmp_path / "canvas.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.writestr("annlee_11_101_positional_encoding.py", reference)
        zf.writestr("benkim_LATE_22_202_positional_encoding.py", reference)
    deadline = Deadline.of(A3.config, due=DUE.isoformat(), policy=POLICY)
    out = tmp_path / "out"
    reports = grade.grade_batch(A3, export, out, workers=1, progress=False, deadline=deadline,
                                limits=Limits(test_s=20, import_s=20, submission_s=300))
    assert reports["annlee_11"].late["fraction"] == 0 and reports["annlee_11"].final == 22
    assert reports["benkim_22"].late["source"] == "LMS late flag" and reports["benkim_22"].final == pytest.approx(19.8)
    assert "Submitted late (LMS late flag): 10% of your points deducted" in (out / "benkim_22" / "feedback.md").read_text()
