"""nbgrader configuration of the course (the course root is this folder).

nbgrader's source folder is a staging area built from the one source by
``python -m autograder release``: each assignment's report notebook comes from
``solutions/<id>/`` (nbgrader strips its solution regions itself), while the Python modules
and public tests come from the generated skeleton ``assignments/<id>/`` -- nbgrader copies
``.py`` files verbatim, so the solution modules must never be staged.
"""
from pathlib import Path

from autograder import course

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

# The folders, relative to the course root (nbgrader's working directory): autograder.course.NbgraderPaths.
folders = course.nbgrader_paths(Path("."))
c.CourseDirectory.course_id = "dl-course"
c.CourseDirectory.source_directory = str(folders.source)
c.CourseDirectory.release_directory = str(folders.release)
c.CourseDirectory.submitted_directory = str(folders.submitted)
c.CourseDirectory.autograded_directory = str(folders.autograded)
c.CourseDirectory.feedback_directory = str(folders.feedback)
c.CourseDirectory.db_url = folders.gradebook_url
# Released alongside the notebook: the skeleton modules, the public tests, the README.
c.CourseDirectory.include = ["*"]
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".hypothesis", "instructor"]

# At autograde nbgrader copies every staged (non-notebook) file over the submission. The graded
# modules must stay as the student wrote them; the public tests are restored from the source.
c.Autograde.exclude_overwriting = {a.id: list(a.modules) for a in course.assignments()}

# Time limit of one notebook cell at autograde. nbgrader's default, 30 s, interrupts the training
# cells: a1 trains 8 epochs on the stand-in (about 15 s on an idle core, several times that on a
# busy one; an interrupted cell never saves best_model.pt) and 30 epochs on the real file (about
# 7 minutes, docs/data/README.md: 3.1 s per 4,000 images per epoch); a test cell runs the task's
# whole grading suite (a1: about 20 s). 30 minutes leaves room for a loaded grading machine.
c.Execute.timeout = 1800

# The autograded scores come from the sandboxed grader in nbgrader's own process, not from what
# the test cells print in the student's kernel (autograder/nbgrader_plugin.py): TrustedScores
# replaces those cells' outputs after Execute, before SaveAutoGrades reads them. nbgrader's
# default list otherwise.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute, IgnorePattern,  # noqa: E402
                                    LimitOutput, SaveAutoGrades)

from autograder.nbgrader_plugin import RubricsForGraders, TrustedScores  # noqa: E402

# RubricsForGraders puts each manually graded cell's rubric after it, for formgrader (the solution
# regions that hold the rubrics are not in what students submit).
c.Autograde.autograde_preprocessors = [Execute, TrustedScores, RubricsForGraders, IgnorePattern, ClearMetadataPreprocessor,
                                       LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
