"""Execute a student's report notebook in the sandbox, with the limits of grading (``review --execute``).

The notebook's cells run in the sandbox child (``notebook_runner``), which sees the submission's
files and the Python installation only: not the course, the solutions, the other students or the
TA's home; its writes land in the sandbox's scratch copy, never in the submitted folder. The whole
notebook is one call, under ``limits.test_s`` seconds of its own time.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from ..course import Assignment
from . import errors, notebook_runner
from .limits import Limits
from .proxy import RemoteSubmission
from .files import collect_files
from .session import Session

RUNNER_MODULE = "dlcourse_notebook_runner"


def execute(assignment: Assignment, folder: Path, nb: nbformat.NotebookNode, first: str, limits: Limits, *,
            spawner=None, isolate: str = "auto") -> nbformat.NotebookNode:
    """``nb`` executed in a sandbox over ``folder`` after the hidden cell ``first``.

    Raises :class:`~.errors.SandboxError` (a limit, a crash) or :class:`~.errors.GraderFault`."""
    from .judge import default_spawner

    files = collect_files(Path(folder), limits)
    files[f"{RUNNER_MODULE}.py"] = Path(notebook_runner.__file__).read_bytes()
    session = Session(spawner or default_spawner(), Path(folder), [*assignment.modules, f"{RUNNER_MODULE}.py"],
                      limits, files=files, isolate=isolate, warm=assignment.warm)
    try:
        session.begin_test()
        run = getattr(RemoteSubmission(session, Path(folder)), notebook_runner.RUNNER_FUNCTION)
        executed = run(nbformat.writes(nb), first)
        session.end_test()
    finally:
        session.close()
    if session.fault is not None:
        raise session.fault
    if type(executed) is not str:
        raise errors.SandboxError("the notebook run returned no notebook")
    return nbformat.reads(executed, as_version=4)
