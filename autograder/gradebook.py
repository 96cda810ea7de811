"""Write batch-grader results into nbgrader's gradebook, under the notebook's own grade ids.

Each task's autograded test cell in the report notebook has grade id ``tests_task<key>``
(``course.test_cell_grade_id``); the batch grader's points for that task become the cell's
``auto_score``. formgrader, ``generate_feedback`` and ``nbgrader export`` then show the same
numbers as ``grades.csv``. Manually graded cells are left to the TAs.
"""
from __future__ import annotations

from pathlib import Path

from .course import Assignment, nbgrader_paths, test_cell_grade_id
from .results import Report


class GradebookError(RuntimeError):
    """The gradebook does not know the assignment (release it with nbgrader first)."""


def default_db_url(assignment: Assignment) -> str:
    """The course's gradebook (``course.NbgraderPaths``)."""
    return nbgrader_paths(assignment.root).gradebook_url


def record(assignment: Assignment, reports: dict[str, Report], db_url: str | None = None) -> int:
    """Store every student's task scores; returns the number of grades written."""
    from nbgrader.api import Gradebook, MissingEntry

    if not assignment.notebook:
        raise GradebookError(f"{assignment.id} has no report notebook, so nbgrader has no grade cells for it")
    notebook = Path(assignment.notebook).stem
    written = 0
    with Gradebook(db_url or default_db_url(assignment)) as gb:
        try:
            gb.find_assignment(assignment.id)
        except MissingEntry:
            raise GradebookError(f"the gradebook has no assignment {assignment.id!r}: run "
                                 f"`python -m autograder release {assignment.id}` first") from None
        for student, report in sorted(reports.items()):
            gb.update_or_create_student(student)
            gb.update_or_create_submission(assignment.id, student)
            for task in report.tasks():
                grade = gb.find_grade(test_cell_grade_id(task.key), notebook, assignment.id, student)
                grade.auto_score = task.earned
                grade.needs_manual_grade = False
                written += 1
            gb.db.commit()
    return written
