"""A trusted grading worker: ``python -m autograder.batch.worker PARENT_PID`` (see ``pool.py``).

Warms up once (torch, pytest, a fork server), writes one byte, then grades the jobs it reads
on stdin until EOF. Dies with its parent (PDEATHSIG). Anything printed goes to stderr, so
stdout carries only answers.
"""
from __future__ import annotations

import json
import pickle
import sys
import traceback

from .. import framing
from .job import grade_job, warm


def main() -> None:
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    warm(int(sys.argv[1]) if len(sys.argv) > 1 else None)
    out.write(b"R")
    out.flush()
    stdin = sys.stdin.buffer
    while True:
        try:
            job = pickle.loads(framing.read_frame(stdin))
        except EOFError:
            break
        try:
            answer = {"ok": grade_job(job)}
        except BaseException:  # noqa: BLE001 - report, keep serving
            answer = {"error": traceback.format_exc()}
        data = json.dumps(answer).encode()
        out.write(framing.frame(data))
        out.flush()


if __name__ == "__main__":
    main()
