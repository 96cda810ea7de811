"""The grading function every executor runs: a local process pool, or Dask distributed workers.

A job is plain data (picklable, no paths the worker must be able to read)::

    {"assignment": id, "student": name, "folder": original path (a label for messages),
     "files": {relative path: bytes}, "limits": Limits.to_dict()}

and :func:`grade_job` returns ``{"student", "report": Report as JSON text, "info": {...}}``, or
``{"student", "fault": text}`` when the grading failed for a reason of the grader's own
(:func:`grader_fault`): such a result is never a grade.
Each worker process keeps one warm fork server (``judge.default_spawner``), so torch and the
child runtime are imported once per worker, not once per submission.
"""
from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path


def warm(parent_pid: int | None = None) -> None:
    """Worker start-up: die with the batch process, clear scratch folders of dead workers, and pay
    the start-up cost now (torch, pytest, the judge, the fork server)."""
    import os
    import signal

    if parent_pid is not None:
        from ..sandbox import linux

        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:
            os._exit(1)
    import torch  # noqa: F401

    from ..sandbox import files, judge

    files.remove_stale_scratch()
    judge.default_spawner().server.start()


_NO_MODULE = re.compile(r"No module named '([A-Za-z0-9_.]+)'")


def grader_fault(report, info: dict, modules: tuple[str, ...]) -> str | None:
    """The grader's own failure behind ``report``, if the trusted side can tell: the sandbox could
    not start, or the child could not import a module that this (trusted) process can import
    from its installation -- a folder of the environment is not visible in the sandbox."""
    from ..sandbox.jail import library_paths

    if info.get("setup_failed"):
        return info["setup_failed"]
    own = {m.rsplit(".", 1)[0] for m in modules}
    libraries = [os.path.realpath(p) + os.sep for p in library_paths()]
    for text in [report.error, *(t.message for t in report.tests)]:
        for name in _NO_MODULE.findall(text or ""):
            if name.split(".")[0] in own:
                continue
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                continue
            origin = os.path.realpath(getattr(spec, "origin", None) or "") if spec else ""
            if origin and any(origin.startswith(lib) for lib in libraries):
                hidden = info.get("hidden_paths") or []
                where = f" (not visible there: {', '.join(hidden)})" if hidden else ""
                return f"the sandbox could not import {name}, which the grader imports from {origin}{where}"
    return None


def grade_job(job: dict) -> dict:
    from .. import course
    from ..sandbox import jail, judge
    from ..sandbox.limits import Limits

    from ..sandbox.errors import GraderFault

    assignment = course.get(job["assignment"])
    try:
        report, info = judge.grade(assignment, Path(job["folder"]), files=job["files"], name=job["student"],
                                   limits=Limits.from_dict(job.get("limits")))
    except GraderFault as exc:  # a process of ours died: never the student's grade
        return {"student": job["student"], "fault": str(exc), "info": {}}
    report.submission = job["student"]
    info["hidden_paths"] = jail.hidden_paths()
    fault = grader_fault(report, info, assignment.modules)
    if fault:
        return {"student": job["student"], "fault": fault, "info": info}
    return {"student": job["student"], "report": report.to_json(), "info": info}
