"""Report notebooks carry graded answer cells for TAs and one autograded cell per task.

That the reference report runs top to bottom in a real kernel and draws its plots is checked on
the notebook nbgrader executes at autograde (tests/test_nbgrader_roundtrip.py).
"""
import nbformat
import pytest

from cases import ASSIGNMENTS

WITH_NOTEBOOK = [a for a in ASSIGNMENTS if a.notebook]


def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


@pytest.mark.parametrize("assignment", WITH_NOTEBOOK, ids=[a.id for a in WITH_NOTEBOOK])
def test_answer_cells_have_points_and_a_rubric(assignment):
    nb = nbformat.read(assignment.solution_dir / assignment.notebook, as_version=4)
    answers = [c for c in nb.cells if c.cell_type == "markdown" and _nbgrader(c).get("solution")]
    assert answers, "the report needs manually graded answer cells"
    ids = [_nbgrader(c)["grade_id"] for c in nb.cells if _nbgrader(c)]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    for cell in answers:
        meta = _nbgrader(cell)
        assert meta.get("grade") and meta.get("points", 0) > 0, meta["grade_id"]
        assert "Rubric" in cell.source and "### BEGIN SOLUTION" in cell.source, meta["grade_id"]


@pytest.mark.parametrize("assignment", WITH_NOTEBOOK, ids=[a.id for a in WITH_NOTEBOOK])
def test_student_report_has_blank_answers_and_no_outputs(assignment):
    nb = nbformat.read(assignment.skeleton_dir / assignment.notebook, as_version=4)
    answers = [c for c in nb.cells if _nbgrader(c).get("solution")]
    assert answers and all("YOUR ANSWER HERE" in c.source or "raise NotImplementedError" in c.source for c in answers)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert not any("Rubric" in c.source for c in nb.cells)


def _test_cells(nb):
    """(task, points, source) of the autograded test cells (grade, not solution)."""
    import re

    out = []
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            match = re.search(r'score\("([^"]+)", task="([^"]+)"\)', cell.source)
            assert match, f"test cell {meta['grade_id']} should call autograder.nbcell.score"
            out.append((match.group(1), match.group(2), meta["points"], cell.source))
            from autograder.nbcell import test_cell_grade_id

            assert meta["grade_id"] == test_cell_grade_id(match.group(2)), "the batch grader writes under this id"
    return out


@pytest.mark.parametrize("assignment", WITH_NOTEBOOK, ids=[a.id for a in WITH_NOTEBOOK])
def test_autograded_cells_cover_every_task_with_its_points(assignment, reference_reports):
    from autograder.nbcell import test_cell_source

    nb = nbformat.read(assignment.solution_dir / assignment.notebook, as_version=4)
    cells = _test_cells(nb)
    tasks = {t.key: t.possible for t in reference_reports[assignment.id].tasks()}
    assert {task for _, task, _, _ in cells} == set(tasks), "one autograded cell per task"
    for assignment_id, task, points, source in cells:
        assert assignment_id == assignment.id
        assert points == tasks[task], f"task {task}: cell has {points} points, the tests {tasks[task]}"
        assert source == test_cell_source(assignment.id, task)
