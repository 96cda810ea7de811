"""A pool of long-lived trusted worker processes: ``python -m autograder.batch.worker``.

Why not ``ProcessPoolExecutor``: its spawn start method re-imports the caller's main script in
every worker (an unguarded script grades itself recursively), and one dead worker breaks every
pending future. Here each worker is a plain subprocess, fed by its own thread:

    pool -> worker   one frame (``framing``): pickle of a job dict (trusted direction: we wrote it)
    worker -> pool   one frame: JSON, {"ok": result} or {"error": text}

A worker that dies fails only the job it held (``WorkerDied``) and is restarted for the next.
``submit`` returns a ``concurrent.futures.Future``, like Dask's ``Client.submit``.
"""
from __future__ import annotations

import json
import os
import pickle
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future

from .. import framing


class WorkerDied(RuntimeError):
    """The worker process ended while grading a submission."""


class WorkerPool:
    def __init__(self, workers: int):
        self.workers = workers
        self.jobs: queue.Queue = queue.Queue()
        self.procs: list[subprocess.Popen | None] = [None] * workers
        self.threads = [threading.Thread(target=self._serve, args=(i,), daemon=True, name=f"grader-worker-{i}")
                        for i in range(workers)]
        for t in self.threads:
            t.start()

    def _start(self, i: int) -> subprocess.Popen:
        from ..course import course_root

        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(course_root()), os.environ.get("PYTHONPATH")]))}
        proc = subprocess.Popen([sys.executable, "-m", "autograder.batch.worker", str(os.getpid())],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        framing.read_exact(proc.stdout, 1)  # the worker is warm (torch, pytest, fork server)
        self.procs[i] = proc
        return proc

    def _serve(self, i: int) -> None:
        while True:
            item = self.jobs.get()
            if item is None:
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                proc = self.procs[i]
                if proc is None or proc.poll() is not None:
                    proc = self._start(i)
                data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
                proc.stdin.write(framing.frame(data))
                proc.stdin.flush()
                answer = json.loads(framing.read_frame(proc.stdout))
            except (EOFError, OSError, ValueError) as exc:
                self._kill(i)
                future.set_exception(WorkerDied(f"the grading worker process ended ({type(exc).__name__})"))
                continue
            if "ok" in answer:
                future.set_result(answer["ok"])
            else:
                future.set_exception(RuntimeError(str(answer.get("error"))[-2000:]))

    def _kill(self, i: int) -> None:
        proc = self.procs[i]
        self.procs[i] = None
        if proc is not None:
            proc.kill()
            proc.wait()

    def submit(self, job: dict) -> Future:
        future: Future = Future()
        self.jobs.put((job, future))
        return future

    def shutdown(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)
        for i, proc in enumerate(self.procs):
            if proc is not None:
                try:
                    proc.stdin.close()  # the worker exits at EOF
                    proc.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    self._kill(i)
        for t in self.threads:
            t.join(timeout=1)
