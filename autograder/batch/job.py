"""The grading function every executor runs: a local process pool, or Dask distributed workers.

A job is plain data (picklable, no paths the worker must be able to read)::

    {"assignment": id, "student": name, "folder": original path (a label for messages),
     "files": {relative path: bytes}, "limits": Limits.to_dict()}

and :func:`grade_job` returns ``{"student", "report": Report as JSON text, "info": {...}}``.
Each worker process keeps one warm fork server (``judge.default_spawner``), so torch and the
child runtime are imported once per worker, not once per submission.
"""
from __future__ import annotations

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

    from ..sandbox import judge, session

    session.remove_stale_scratch()
    judge.default_spawner().server.start()


def grade_job(job: dict) -> dict:
    from .. import course
    from ..sandbox import judge
    from ..sandbox.limits import Limits

    assignment = course.get(job["assignment"])
    report, info = judge.grade(assignment, Path(job["folder"]), files=job["files"], name=job["student"],
                               limits=Limits.from_dict(job.get("limits")))
    report.submission = job["student"]
    return {"student": job["student"], "report": report.to_json(), "info": info}
