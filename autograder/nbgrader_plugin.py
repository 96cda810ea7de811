"""nbgrader's autograde step with the autograded scores decided outside the student's kernel.

nbgrader executes the report notebook in a kernel that imports the student's modules, so
whatever the test cells print there is under the student's control (a module can replace
``autograder.nbcell.score`` at import). :class:`TrustedScores` runs in nbgrader's own process
after ``Execute`` and before ``SaveAutoGrades`` (``nbgrader_config.py``): it grades the
submitted folder with the sandboxed grader -- the same function as ``python -m autograder grade``,
after the same preflight on the reference solution -- and replaces each ``tests_task<k>`` cell's
outputs with that task's points (an ``execute_result``, nbgrader's partial credit) and the reasons
for lost points (stdout). So ``nbgrader autograde`` and ``grade --gradebook`` write the same
numbers, in whichever order they run, and nothing the kernel prints can change them.

A grader fault or a failed preflight raises: nbgrader then records the submission as failed
and writes no grade for it (a rerun retries).

:class:`RubricsForGraders` runs in the same step: nbgrader strips the solution regions, and with
them the rubrics, from what students receive, so formgrader would show a TA the answer cells
without their rubric. It puts the solution notebook's rubric (and, for plot cells, what the plot
should show) in a markdown cell after each manually graded cell of the *autograded* notebook,
which is what formgrader shows. The student's feedback (``nbgrader generate_feedback``) is made
from that notebook too, so students see the rubric with their points, after grading.
"""
from __future__ import annotations

from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

from . import course, grade
from .course import test_cell_grade_id
from .results import Report

TASK_PREFIX = test_cell_grade_id("")


class GraderFault(RuntimeError):
    """The trusted grader could not grade this submission (not the student's fault)."""


def trusted_report(assignment: course.Assignment, folder: Path, student: str, log) -> Report:
    """``folder`` graded by the sandboxed grader in this process, after the preflight."""
    from .batch.job import grade_job
    from .sandbox.files import collect_files

    limits = grade.default_limits(assignment)
    grade.prove(assignment, grade.InProcessPool(), limits, log, (assignment.id, limits, "nbgrader"))
    result = grade_job({"assignment": assignment.id, "student": student, "folder": str(folder),
                        "files": collect_files(folder, limits), "limits": limits.to_dict()})
    if result.get("fault"):
        raise GraderFault(f"grader error for {student}, no grade written (a rerun retries): {result['fault']}")
    return Report.from_json(result["report"])


def cell_outputs(task, earned: float) -> list:
    """What a test cell shows: the task's points and each reason for lost points, once."""
    lines = [f"Task {task.key} ({task.title}): {earned:g} / {task.possible:g} points, "
             "scored by the course's grader outside this notebook."]
    seen: dict[str, int] = {}
    for t in task.tests:
        if t.outcome != "passed":
            first = (t.message or t.outcome).splitlines()[0]
            key = f"{t.title}: {first}"
            seen[key] = seen.get(key, 0) + 1
    lines += [f"  - {k}" + (f" ({n} times)" if n > 1 else "") for k, n in seen.items()]
    return [new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
            new_output("execute_result", data={"text/plain": repr(round(earned, 3))}, execution_count=None)]


RUBRIC_MARK = "rubric_for"  # metadata autograder.rubric_for = grade id of the cell the rubric belongs to


def rubric_cell(cell) -> "nbformat.NotebookNode":
    """The markdown cell that follows one manually graded cell (a ``review.ManualCell``) for the grader."""
    from nbformat.v4 import new_markdown_cell

    from .plotcheck import describe

    points = f"{cell.points:g} point{'' if cell.points == 1 else 's'}"
    rubric = cell.rubric or ("no rubric in the solution: judge the plot on its own (axes, labels, legend, "
                             "what it shows)" if cell.kind == "plot" else "no rubric in the solution")
    expected = f"\n>\n> **The plot should show:** {describe(cell.expect)}." if cell.expect else ""
    text = f"> **For the grader: `{cell.grade_id}`, {points}.** " + rubric.replace("\n", "\n> ") + expected
    return new_markdown_cell(text, metadata={"autograder": {RUBRIC_MARK: cell.grade_id}})


class RubricsForGraders(NbGraderPreprocessor):
    """After each manually graded cell, a markdown cell with its rubric from the solution notebook."""

    def preprocess(self, nb, resources):
        from .review import manual_cells

        assignment = course.get(resources["nbgrader"]["assignment"])
        by_id = {c.grade_id: c for c in manual_cells(assignment)}
        cells = []
        for cell in nb.cells:
            if RUBRIC_MARK in cell.metadata.get("autograder", {}):
                continue  # a rubric cell already there (a resubmitted autograded notebook): made anew
            cells.append(cell)
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in by_id:
                cells.append(rubric_cell(by_id.pop(grade_id)))
        nb.cells = cells
        return nb, resources


class TrustedScores(NbGraderPreprocessor):
    """Replace the autograded test cells' outputs with the sandboxed grader's scores."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        assignment = course.get(info["assignment"])
        folder = Path(resources.get("metadata", {}).get("path") or ".").resolve()
        report = trusted_report(assignment, folder, info["student"], self.log.info)
        tasks = {t.key: t for t in report.tasks()}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            grade_id = meta.get("grade_id", "")
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution") \
                    or not grade_id.startswith(TASK_PREFIX):
                continue
            task = tasks.get(grade_id[len(TASK_PREFIX):])
            if task is None:
                raise GraderFault(f"the grader has no task for the notebook cell {grade_id!r} of {assignment.id}")
            cell.outputs = cell_outputs(task, task.earned)
        self.log.info("scores of %s decided by the sandboxed grader: %g / %g", info["student"],
                      report.base_earned, report.possible)
        return nb, resources
