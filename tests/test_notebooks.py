"""Report notebooks: run top to bottom in a real kernel, and carry graded answer cells for TAs."""
import nbformat
import pytest
from nbclient import NotebookClient

from autograder import mutants
from cases import ASSIGNMENTS

WITH_NOTEBOOK = [a for a in ASSIGNMENTS if a.notebook]


def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


@pytest.mark.slow
@pytest.mark.parametrize("assignment", WITH_NOTEBOOK, ids=[a.id for a in WITH_NOTEBOOK])
def test_reference_report_runs_and_draws_its_plots(assignment, tmp_path):
    folder = mutants.copy_submission(assignment.solution_dir, tmp_path / "run")
    nb = nbformat.read(folder / assignment.notebook, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    plots = [c for c in nb.cells if c.cell_type == "code"
             and any("image/png" in o.get("data", {}) for o in c.outputs)]
    manual_code = [c for c in nb.cells if c.cell_type == "code" and _nbgrader(c).get("grade") and _nbgrader(c).get("solution")]
    assert plots and all(any("image/png" in o.get("data", {}) for o in c.outputs) for c in manual_code), \
        "every manually graded code cell should draw its plot"


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
