"""`check --task K` and `check -k EXPR`: one task's tests, for the student working on one function."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from autograder import check, course, grade, mutants, selection

A3 = course.get("a3_positional_encoding")


def cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "MPLBACKEND": "Agg"})


def test_task_check_runs_only_that_task_and_says_it_is_partial(tmp_path):
    proc = cli("check", A3.id, "--submission", str(A3.solution_dir), "--task", "2", "--json", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Task 2" in proc.stdout and "Task 3" not in proc.stdout and "Task 4" not in proc.stdout
    assert "Partial check (--task 2)" in proc.stdout and "not your total" in proc.stdout
    assert "Total" not in proc.stdout  # a task's points must not look like the grade
    ran = json.loads((tmp_path / "r.json").read_text())["tests"]
    task2 = [t for t in grade.expected_tests(A3) if t.task == "2"]
    assert sorted(t["id"] for t in ran) == sorted(t.id for t in task2) and all(t["outcome"] == "passed" for t in ran)


def test_a_task_check_loses_exactly_what_the_full_check_loses_in_that_task(tmp_path):
    mutant = next(m for m in mutants.load(A3) if m.loses == ("3",))
    folder = mutants.apply(A3, mutant, tmp_path / mutant.name)
    full = check.run(A3, folder, test_timeout=0, budget=0)  # no time limits: a busy machine must not decide
    partial = check.run(A3, folder, test_timeout=0, budget=0, select=selection.choose(A3.tests_dir(), task="3"))
    in_task = [(t.id, t.outcome, t.message) for t in full.tests if t.task == "3"]
    assert [(t.id, t.outcome, t.message) for t in partial.tests] == in_task
    assert partial.earned < partial.possible, f"mutant {mutant.name} should lose points in task 3"


def test_an_unknown_task_is_a_clear_error_that_lists_the_tasks():
    proc = cli("check", A3.id, "--submission", str(A3.solution_dir), "--task", "9")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "there is no task '9'" in proc.stderr
    for line in ("--task 2    positional_encoding", "--task 3    attention_scores", "--task 4    mean_abs_cosine"):
        assert line in proc.stderr, proc.stderr


def test_k_selects_tests_by_name_like_pytest(tmp_path):
    proc = cli("check", A3.id, "--submission", str(A3.solution_dir), "-k", "concat", "--json", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Partial check (-k 'concat')" in proc.stdout
    ran = [t["id"] for t in json.loads((tmp_path / "r.json").read_text())["tests"]]
    assert ran and all("concat" in t for t in ran), ran


def test_k_that_matches_no_test_is_a_clear_error():
    proc = cli("check", A3.id, "--submission", str(A3.solution_dir), "-k", "no_such_test_name")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "no test matches -k 'no_such_test_name'" in proc.stderr and "--task 3    attention_scores" in proc.stderr


def test_a_task_selection_names_only_the_files_that_can_hold_the_task(tmp_path):
    args = selection.choose(A3.tests_dir(), task="2")
    assert args == selection.Selection((str(A3.tests_dir() / "test_positional_encoding.py"),), ("--task=2",))
    (tmp_path / "test_a.py").write_text('import pytest\npytestmark = pytest.mark.task("1", "one")\n')
    (tmp_path / "test_mixed.py").write_text("import pytest\n")  # tasks per test: known only to pytest
    assert selection.choose(tmp_path, task="2") == selection.Selection((str(tmp_path / "test_mixed.py"),), ("--task=2",))
    assert selection.choose(tmp_path, keyword="shape") == selection.Selection((str(tmp_path),), ("-k", "shape"))


def test_the_plugin_deselects_other_tasks_within_one_file(tmp_path):
    home = tmp_path / "mini"
    (home / "tests").mkdir(parents=True)
    (home / "assignment.toml").write_text('title = "mini"\nmodules = ["mini.py"]\n')
    (home / "mini.py").write_text("def one():\n    return 1\n\ndef two():\n    return 3\n")
    (home / "tests" / "conftest.py").write_text('pytest_plugins = ["autograder.pytest_plugin"]\n')
    (home / "tests" / "test_mixed.py").write_text(textwrap.dedent('''
        import pytest

        @pytest.mark.task("1", "one")
        @pytest.mark.points(1)
        def test_one(submission):
            """one() is 1."""
            assert submission.one() == 1

        @pytest.mark.task("2", "two")
        @pytest.mark.points(2)
        def test_two(submission):
            """two() is 2."""
            assert submission.two() == 2
    '''))
    mini = course.standalone(home)
    only_two = check.run(mini, home, select=selection.choose(mini.tests_dir(), task="2"), test_timeout=60)
    assert [(t.task, t.outcome) for t in only_two.tests] == [("2", "failed")]
    only_one = check.run(mini, home, select=selection.choose(mini.tests_dir(), task="1"), test_timeout=60)
    assert [(t.task, t.outcome) for t in only_one.tests] == [("1", "passed")] and only_one.full_marks
