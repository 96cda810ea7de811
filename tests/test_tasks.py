"""Tasks declared once, in ``assignment.toml``: the test markers are checked against the declaration."""
from __future__ import annotations

import shutil

import pytest

from autograder import course, grade, suite

A3 = course.get("a3_positional_encoding")
DECLARED = '''
[[tasks]]
id = "2"
title = "positional_encoding"

[[tasks]]
id = "3"
title = "attention_scores"

[[tasks]]
id = "4"
title = "mean_abs_cosine (bonus)"
bonus = true
'''


def _course_with(tmp_path, tasks: str) -> course.Assignment:
    folder = tmp_path / "solutions" / A3.id
    shutil.copytree(A3.solution_dir, folder, ignore=shutil.ignore_patterns("__pycache__", "instructor"))
    config = folder / course.CONFIG_NAME
    config.write_text(config.read_text().split("[[tasks]]")[0] + tasks)  # the course's own declaration replaced
    return course.get(A3.id, root=tmp_path)


def test_declared_tasks_are_read_and_the_markers_agree(tmp_path):
    assignment = _course_with(tmp_path, DECLARED)
    assert [(t.id, t.bonus) for t in assignment.tasks] == [("2", False), ("3", False), ("4", True)]
    tests = grade.expected_tests(assignment)
    assert {t.task for t in tests} == {"2", "3", "4"}, "the suite collects normally when the markers agree"


def test_a_marker_of_an_undeclared_task_stops_the_run_with_the_reason(tmp_path, capfd):
    assignment = _course_with(tmp_path, DECLARED.split("[[tasks]]\nid = \"4\"")[0])
    report, code = suite.run(assignment, None, collect_only=True)
    err = capfd.readouterr().err
    assert code == pytest.ExitCode.USAGE_ERROR and "did not run" in report.error, (code, report.error)
    assert "test_random_directions.py marks task '4', which is not declared (declared: 2, 3)" in err, err


def test_a_marker_with_another_title_stops_the_run_with_the_reason(tmp_path, capfd):
    assignment = _course_with(tmp_path, DECLARED.replace('title = "attention_scores"', 'title = "attention"'))
    report, code = suite.run(assignment, None, collect_only=True)
    err = capfd.readouterr().err
    assert code == pytest.ExitCode.USAGE_ERROR and "did not run" in report.error, (code, report.error)
    assert "titles task '3' 'attention_scores', assignment.toml 'attention'" in err, err


@pytest.mark.parametrize("bad, problem", [
    ('[[tasks]]\nid = 2\ntitle = "x"\n', "needs id"),
    ('[[tasks]]\nid = "2"\ntitle = "x"\n[[tasks]]\nid = "2"\ntitle = "y"\n', "must be unique"),
    ('tasks = "2"\n', "must be a list"),
])
def test_a_malformed_declaration_is_named(tmp_path, bad, problem):
    with pytest.raises(course.ConfigError, match=problem):
        _course_with(tmp_path, "\n" + bad)


@pytest.mark.parametrize("assignment", course.assignments(), ids=lambda a: a.id)
def test_the_course_declares_its_tasks_and_the_notebook_and_mutants_name_only_those(assignment):
    import nbformat

    from autograder import mutants

    declared = {t.id for t in assignment.tasks}
    assert declared, f"{assignment.id}: assignment.toml declares no [[tasks]]"
    assert {t.task for t in grade.expected_tests(assignment)} == declared, "every declared task has tests"
    nb = nbformat.read(assignment.solution_dir / assignment.notebook, as_version=4)
    prefix = course.test_cell_grade_id("")
    cells = {c.metadata["nbgrader"]["grade_id"][len(prefix):] for c in nb.cells
             if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith(prefix)}
    assert cells == declared, f"the notebook's {prefix}<k> cells are for tasks {sorted(cells)}, declared {sorted(declared)}"
    strays = {m.name: m.loses for m in mutants.load(assignment) if not set(m.loses) <= declared}
    assert not strays, f"mutants that name undeclared tasks: {strays}"
