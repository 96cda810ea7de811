"""Build the student release with nbgrader's own ``generate_assignment``.

Staging (``build/nbgrader/source/<id>/``, see ``course.NbgraderPaths``): the skeleton files as generated from
``solutions/<id>/`` (modules with stubs, public tests, README), plus the *solution* report
notebook, whose solution regions, hidden tests and outputs nbgrader removes itself while it
records the grade cells in its gradebook. The result is ``release/<id>/``.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from . import generate
from .course import Assignment, nbgrader_paths


class ReleaseError(RuntimeError):
    """nbgrader could not generate the release (its log is the message)."""


def stage(assignment: Assignment, course_dir: Path) -> Path:
    """Write the nbgrader source folder of ``assignment`` under ``course_dir`` and return it."""
    source = nbgrader_paths(course_dir).source / assignment.id
    if source.exists():
        shutil.rmtree(source)
    for rel, content in generate.render(assignment).items():
        target = source / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    if assignment.notebook:
        shutil.copyfile(assignment.solution_dir / assignment.notebook, source / assignment.notebook)
    return source


def _tools_on_path() -> None:
    """nbgrader shells out to ``alembic`` for its gradebook: put this interpreter's scripts on PATH."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def build(assignment: Assignment, course_dir: Path | None = None) -> Path:
    """Stage and run ``nbgrader generate_assignment``; returns ``<course_dir>/release/<id>``."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    _tools_on_path()
    course_dir = Path(course_dir or assignment.root).resolve()
    paths = nbgrader_paths(course_dir)
    stage(assignment, course_dir)
    paths.work.mkdir(parents=True, exist_ok=True)
    config = Config()
    config_file = assignment.root / "nbgrader_config.py"
    exec(compile(config_file.read_text(), str(config_file), "exec"), {"get_config": lambda: config, "__file__": str(config_file)})
    config.CourseDirectory.root = str(course_dir)
    config.CourseDirectory.db_url = paths.gradebook_url
    api = NbGraderAPI(config=config)
    result = api.generate_assignment(assignment.id, force=True)
    if not result.get("success"):
        raise ReleaseError(result.get("error") or result.get("log") or "nbgrader generate_assignment failed")
    return paths.release / assignment.id
