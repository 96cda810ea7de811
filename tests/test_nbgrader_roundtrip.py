"""The real nbgrader round trip: generate_assignment -> submit -> autograde -> generate_feedback -> export.

alice hands in the reference modules and report, bob the untouched release, and (for a3) carol a
classic mistake that loses some of a task's points: nbgrader must give her exactly that partial
credit although the test cells print their summary on stdout. The notebook nbgrader executes for
alice is also the check that each reference report runs top to bottom in a real kernel, draws
every plot, and that its test cells print "Task k: x / x" on stdout, nothing on stderr, and
give the points as the cell's value.

Runs nbgrader's own command line in a throw-away course folder that uses this course's
nbgrader_config.py; the report notebooks execute in a real kernel and their autograded cells
run the grader on the submitted modules.
"""
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import release
from autograder.course import course_root
from cases import ASSIGNMENTS

WITH_NOTEBOOK = [a for a in ASSIGNMENTS if a.notebook]


def nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    scripts = str(Path(sys.executable).parent)
    # The kernel draws plots inline, as in Jupyter (an inherited MPLBACKEND=Agg would draw none).
    env = {**os.environ, "PATH": scripts + os.pathsep + os.environ["PATH"],
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def released_course(tmp_path: Path, assignment) -> Path:
    """A throw-away nbgrader course using this course's nbgrader_config.py, with ``assignment``
    released by nbgrader's own ``generate_assignment``; returns its root."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(course_root() / "nbgrader_config.py", root)
    release.stage(assignment, root)
    nbgrader(root, "generate_assignment", assignment.id, "--force")
    return root


def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def check_reference_report_ran(path: Path) -> None:
    """The reference report, as nbgrader executed it: no errors, every plot drawn, and the test
    cells showing the sandboxed grader's full points (``nbgrader_plugin.TrustedScores``)."""
    nb = nbformat.read(path, as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    plots = [c for c in nb.cells if c.cell_type == "code" and any("image/png" in o.get("data", {}) for o in c.outputs)]
    manual_code = [c for c in nb.cells if c.cell_type == "code" and _nbgrader(c).get("grade") and _nbgrader(c).get("solution")]
    assert plots and all(any("image/png" in o.get("data", {}) for o in c.outputs) for c in manual_code), \
        "every manually graded code cell should draw its plot"
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            results = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert len(results) == 1 and float(results[0]["data"]["text/plain"]) == meta["points"], \
                f"{meta['grade_id']} should show full points for the reference: {cell.outputs}"
            streams = [o for o in cell.outputs if o.output_type == "stream"]
            assert [o.name for o in streams] == ["stdout"], "test cells write no stderr (nbgrader would zero them)"
            assert f"{meta['points']:g} / {meta['points']:g} points, scored by the course's grader" in streams[0].text


def partial_credit_student(assignment):
    """A classic mistake that loses part of one task (a3 only: one more kernel run is enough)."""
    if assignment.id != "a3_positional_encoding":
        return None
    from autograder import mutants

    return next(m for m in mutants.load(assignment) if m.name == "sin_cos_swapped")


@pytest.mark.slow
@pytest.mark.parametrize("assignment", WITH_NOTEBOOK, ids=[a.id for a in WITH_NOTEBOOK])
def test_round_trip_reference_full_skeleton_zero(assignment, tmp_path):
    root = released_course(tmp_path, assignment)
    released = root / "release" / assignment.id
    mistake = partial_credit_student(assignment)
    students = ("alice", "bob", "carol") if mistake else ("alice", "bob")
    for student in students:
        folder = root / "build" / "nbgrader" / "submitted" / student / assignment.id
        shutil.copytree(released, folder)
        if student == "alice":  # hands in the reference modules and the reference report
            for module in assignment.modules:
                shutil.copy(assignment.solution_dir / module, folder / module)
            shutil.copy(assignment.solution_dir / assignment.notebook, folder / assignment.notebook)
        if student == "carol":  # the released report, and modules with one classic mistake
            from autograder import mutants

            mutants.apply(assignment, mistake, tmp_path / "carol")
            for module in assignment.modules:
                shutil.copy(tmp_path / "carol" / module, folder / module)
    nbgrader(root, "autograde", assignment.id, "--force")
    nbgrader(root, "generate_feedback", assignment.id, "--force")
    nbgrader(root, "export", "--to", str(tmp_path / "grades.csv"))

    rows = {r["student_id"]: r for r in csv.DictReader((tmp_path / "grades.csv").open())}
    from autograder.nbcell import report

    autograded_max = sum(t.possible for t in report(assignment.id, assignment.solution_dir).tasks())
    assert float(rows["alice"]["score"]) == autograded_max, rows["alice"]
    assert float(rows["bob"]["score"]) == 0, rows["bob"]
    bob = nbformat.read(root / "build" / "nbgrader" / "autograded" / "bob" / assignment.id / assignment.notebook, 4)
    shown = "".join(o.get("text", "") for c in bob.cells for o in c.get("outputs", []) if o.output_type == "stream")
    assert "scored by the course's grader" in shown and "not implemented yet" in shown  # the zero's reason
    assert float(rows["alice"]["max_score"]) > autograded_max, "manually graded cells count toward the maximum"
    if mistake:
        expected = report(assignment.id, tmp_path / "carol").earned
        assert 0 < expected < autograded_max, expected
        assert float(rows["carol"]["score"]) == expected, (rows["carol"], expected)
    for student in ("alice", "bob"):
        feedback = root / "build" / "nbgrader" / "feedback" / student / assignment.id / f"{Path(assignment.notebook).stem}.html"
        assert feedback.is_file(), feedback

    check_reference_report_ran(root / "build" / "nbgrader" / "autograded" / "alice" / assignment.id / assignment.notebook)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'build' / 'nbgrader' / 'gradebook.db'}") as gb:
        assert gb.find_submission(assignment.id, "alice").needs_manual_grade, "alice's answers must wait for a TA"
        # The graded module was kept as submitted, not overwritten by the staged skeleton.
        autograded = root / "build" / "nbgrader" / "autograded" / "alice" / assignment.id
        for module in assignment.modules:
            assert (autograded / module).read_text() == (assignment.solution_dir / module).read_text()


def test_batch_grader_writes_the_same_grade_ids_into_the_gradebook(tmp_path):
    """`grade --gradebook` fills the notebook's autograded cells; `nbgrader export` shows those scores."""
    assignment = next(a for a in WITH_NOTEBOOK if a.id == "a3_positional_encoding")
    root = released_course(tmp_path, assignment)
    subs = tmp_path / "subs"
    shutil.copytree(assignment.solution_dir, subs / "alice", ignore=shutil.ignore_patterns("tests", "instructor"))
    shutil.copytree(assignment.skeleton_dir, subs / "bob", ignore=shutil.ignore_patterns("tests"))
    db = f"sqlite:///{root / 'build' / 'nbgrader' / 'gradebook.db'}"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", assignment.id, str(subs),
                           "--out", str(tmp_path / "out"), "--gradebook", db],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0 and "task scores of 2 students into the nbgrader gradebook" in proc.stdout, proc.stdout + proc.stderr
    nbgrader(root, "export", "--to", str(tmp_path / "grades.csv"))
    rows = {r["student_id"]: r for r in csv.DictReader((tmp_path / "grades.csv").open())}
    ours = {r["student"]: r for r in csv.DictReader((tmp_path / "out" / "grades.csv").open())}
    for student in ("alice", "bob"):
        total = float(ours[student]["total"]) + float(ours[student]["bonus"])
        assert float(rows[student]["score"]) == total, (rows[student], ours[student])
    assert float(rows["alice"]["score"]) > 0 and float(rows["bob"]["score"]) == 0
    assert "not implemented yet" in (tmp_path / "out" / "bob" / "feedback.md").read_text()  # the zero's reason


TAMPER = '''
# Runs at import in the notebook's kernel: every test cell would print 6 points.
try:
    import pathlib as _pathlib

    import autograder.nbcell as _nbcell

    _nbcell.score = lambda *args, **kwargs: 6.0
    _pathlib.Path("tampered.txt").write_text("the kernel ran this module")
except ImportError:  # in the grader's sandbox: behave
    pass
'''


@pytest.mark.slow
def test_the_kernel_cannot_raise_its_gradebook_score_in_either_order(tmp_path):
    """mallory hands in the skeleton with a module that replaces ``nbcell.score`` in the kernel.
    nbgrader autograde, then ``grade --gradebook`` on nbgrader's own ``submitted/`` tree, then
    autograde again: after each step the gradebook holds the sandboxed grader's scores (alice
    full, mallory 0), never the kernel's."""
    assignment = next(a for a in WITH_NOTEBOOK if a.id == "a3_positional_encoding")
    root = released_course(tmp_path, assignment)
    released = root / "release" / assignment.id
    submitted = root / "build" / "nbgrader" / "submitted"
    for student in ("alice", "mallory"):
        folder = submitted / student / assignment.id
        shutil.copytree(released, folder)
        if student == "alice":
            for module in assignment.modules:
                shutil.copy(assignment.solution_dir / module, folder / module)
        else:
            module = folder / assignment.modules[0]
            module.write_text(module.read_text() + TAMPER)

    def scores() -> dict[str, float]:
        target = tmp_path / "export.csv"
        nbgrader(root, "export", "--to", str(target))
        return {r["student_id"]: float(r["score"]) for r in csv.DictReader(target.open())}

    from autograder.nbcell import report

    full = report(assignment.id, assignment.solution_dir).earned  # bonus included, as nbgrader counts it
    nbgrader(root, "autograde", assignment.id, "--force")
    autograded = root / "build" / "nbgrader" / "autograded" / "mallory" / assignment.id
    assert (autograded / "tampered.txt").is_file(), "the tampering module must have run in the kernel"
    assert scores() == {"alice": full, "mallory": 0.0}

    db = f"sqlite:///{root / 'build' / 'nbgrader' / 'gradebook.db'}"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", assignment.id, str(submitted),  # nbgrader's tree
                           "--out", str(tmp_path / "out"), "--gradebook", db],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert scores() == {"alice": full, "mallory": 0.0}

    nbgrader(root, "autograde", assignment.id, "--force")
    assert scores() == {"alice": full, "mallory": 0.0}
    nb = nbformat.read(autograded / assignment.notebook, as_version=4)
    cell = next(c for c in nb.cells if _nbgrader(c).get("grade_id") == "tests_task2")
    shown = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    assert "0 / 12 points, scored by the course's grader outside this notebook" in shown
    assert "not implemented yet" in shown  # the zero's reason, as the student reads it
