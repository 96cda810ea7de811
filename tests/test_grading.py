"""Tests are the grader: the reference earns full marks, the skeleton zero, failures are explained."""
import csv
import os
import subprocess
import sys

import pytest

from autograder import course, grade, mutants
from autograder.explain import NOT_IMPLEMENTED
from cases import ASSIGNMENT_IDS

A3 = "a3_positional_encoding"


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          timeout=900, cwd=cwd, env={**os.environ, "MPLBACKEND": "Agg"})


@pytest.mark.parametrize("assignment_id", ASSIGNMENT_IDS)
def test_reference_earns_full_marks(reference_reports, assignment_id):
    report = reference_reports[assignment_id]
    failed = [f"{t.id}: {t.message}" for t in report.tests if t.outcome != "passed"]
    assert report.tests and not failed and not report.error, "\n".join(failed) or report.error
    assert report.earned == report.possible + report.bonus_possible


@pytest.mark.parametrize("assignment_id", ASSIGNMENT_IDS)
def test_skeleton_earns_zero_with_not_implemented(skeleton_reports, assignment_id):
    report = skeleton_reports[assignment_id]
    assert report.tests and report.earned == 0
    odd = [f"{t.id}: {t.message}" for t in report.tests if not t.message.startswith(NOT_IMPLEMENTED)]
    assert not odd, "skeleton failures should say 'not implemented yet':\n" + "\n".join(odd)


@pytest.mark.parametrize("assignment_id", ASSIGNMENT_IDS)
def test_every_task_has_points_and_a_title(reference_reports, assignment_id):
    for task in reference_reports[assignment_id].tasks():
        assert task.possible > 0 and task.title, task.key


def test_check_cli_on_skeleton_prints_no_traceback():
    proc = cli("check", A3)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "not implemented yet" in proc.stdout
    assert "0 / 12" in proc.stdout  # task 2 line


def test_check_cli_exit_zero_only_at_full_marks():
    a = course.get(A3)
    assert cli("check", A3, "--submission", str(a.solution_dir)).returncode == 0


def test_check_verbose_shows_traceback():
    proc = cli("check", A3, "-v")
    assert "Traceback" in proc.stdout or "NotImplementedError" in proc.stdout


def test_public_check_runs_only_public_tests():
    a = course.get(A3)
    proc = cli("check", A3, "--submission", str(a.solution_dir), "--public")
    assert proc.returncode == 0, proc.stdout
    assert "public tests only" in proc.stdout


def test_syntax_error_is_one_plain_line(tmp_path):
    a = course.get(A3)
    folder = mutants.copy_submission(a.solution_dir, tmp_path / "student")
    (folder / "positional_encoding.py").write_text("def positional_encoding(n, dim)\n    return 1\n")
    proc = cli("check", A3, "--submission", str(folder))
    assert proc.returncode == 1 and "Traceback" not in proc.stdout
    assert "positional_encoding.py does not compile" in proc.stdout and "(line 1)" in proc.stdout


def test_missing_function_is_named(tmp_path):
    a = course.get(A3)
    folder = mutants.copy_submission(a.solution_dir, tmp_path / "student")
    path = folder / "positional_encoding.py"
    path.write_text(path.read_text().replace("def attention_scores(", "def attention_score("))
    report = grade.grade_one(a, folder)
    task3 = [t for t in report.tests if t.task == "3"]
    assert all(t.outcome == "failed" and "`attention_scores` is not defined" in t.message for t in task3)
    assert all(t.outcome == "passed" for t in report.tests if t.task == "2"), "other tasks keep their points"


def test_unknown_assignment_is_a_clear_error():
    proc = cli("check", "a9_nope")
    assert proc.returncode == 2 and "unknown assignment 'a9_nope'" in proc.stderr and "Traceback" not in proc.stderr


def test_list_names_every_assignment():
    out = cli("list").stdout
    assert all(a in out for a in ASSIGNMENT_IDS)


def test_batch_grading_writes_csv_and_feedback_and_resumes(tmp_path):
    a = course.get(A3)
    subs = tmp_path / "subs"
    mutants.copy_submission(a.solution_dir, subs / "alice")
    mutants.copy_submission(a.skeleton_dir, subs / "bob")
    out = tmp_path / "out"
    reports = grade.grade_batch(a, subs, out, workers=2, progress=False)
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").open())}
    assert rows["alice"]["total"] == "18" and rows["bob"]["total"] == "0" and rows["alice"]["max"] == "18"
    assert "not implemented yet" in (out / "bob" / "feedback.md").read_text()
    # A rerun reuses saved results: make bob's folder vanish and nothing is regraded.
    stamp = (out / "alice" / "results.json").stat().st_mtime_ns
    again = grade.grade_batch(a, subs, out, progress=False)
    assert (out / "alice" / "results.json").stat().st_mtime_ns == stamp
    assert again["bob"].earned == reports["bob"].earned == 0


def test_endless_loop_costs_only_the_tests_that_hit_it(tmp_path):
    a = course.get(A3)
    folder = mutants.copy_submission(a.solution_dir, tmp_path / "student")
    path = folder / "positional_encoding.py"
    path.write_text(path.read_text().replace("    if mode == \"add\":", "    while True:\n        pass\n    if mode == \"add\":"))
    proc = cli("check", A3, "--submission", str(folder), "--test-timeout", "2")
    assert proc.returncode == 1 and "Traceback" not in proc.stdout
    assert "0 / 6" in proc.stdout and "12 / 12" in proc.stdout, proc.stdout
    assert "took too long" in proc.stdout


def test_in_process_runs_do_not_share_test_modules():
    """a1 and a5 both have tests/test_data.py: collecting a5 after a1 in one process must give a5's tests."""
    a1, a5 = course.get("a1_galaxy_cnn"), course.get("a5_signs_cnn")
    alone = [(t.id, t.points, t.hidden) for t in grade.expected_tests(a5)]
    grade.expected_tests(a1)
    after_a1 = [(t.id, t.points, t.hidden) for t in grade.expected_tests(a5)]
    assert after_a1 == alone
    a1_data = {t.id for t in grade.expected_tests(a1) if t.id.startswith("test_data.py::")}
    assert a1_data and not a1_data & {t for t, _, _ in after_a1}

