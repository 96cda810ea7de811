"""Grading beyond one machine: a real Dask scheduler and two workers, started as separate processes
with the `dask scheduler` / `dask worker` commands (as on a cluster, here on loopback), give the
same grades as the local pool. The processes are always ended, whatever the test does."""
from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import course, grade, mutants
from autograder.results import Report

A3 = course.get("a3_positional_encoding")
DASK = str(Path(sys.executable).parent / "dask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args: str, log: Path) -> subprocess.Popen:
    """A dask command in its own process group (so that its children end with it)."""
    return subprocess.Popen([DASK, *args], stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "MPLBACKEND": "Agg"})


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(procs: list[subprocess.Popen], grace: float = 15) -> None:
    """End each process's whole group (a nanny and its worker process): SIGTERM, then SIGKILL
    after ``grace`` seconds for any process of a group still there."""
    for proc in reversed(procs):  # workers first, then the scheduler
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        for proc in procs:
            proc.poll()  # reap the leaders, so that a finished group is really gone
        if not any(group_alive(proc.pid) for proc in procs):
            return
        time.sleep(0.2)
    for proc in procs:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture
def cluster(tmp_path):
    """(address, processes) of a scheduler with two single-threaded workers, each its own `dask worker`
    process; afterwards every one of them, and everything they started, has ended."""
    import distributed

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []
    try:
        procs.append(start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard",
                           log=tmp_path / "scheduler.log"))
        for name in ("w1", "w2"):
            procs.append(start("worker", address, "--name", name, "--host", "127.0.0.1", "--nthreads", "1",
                               "--nworkers", "1", "--no-dashboard", "--death-timeout", "60",
                               "--local-directory", str(tmp_path / name), log=tmp_path / f"{name}.log"))
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address, procs
    finally:
        stop(procs)
    deadline = time.monotonic() + 20  # processes that outlived their group leader are reaped by init
    while any(group_alive(p.pid) for p in procs) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p.args for p in procs if group_alive(p.pid)], "dask processes left running"


def test_a_real_dask_cluster_grades_like_the_local_pool(tmp_path, cluster):
    address, procs = cluster
    subs = tmp_path / "subs"
    mutants.copy_submission(A3.solution_dir, subs / "reference")
    mutants.copy_submission(A3.skeleton_dir, subs / "skeleton")
    for m in mutants.load(A3)[::3]:
        mutants.apply(A3, m, subs / m.name)
    os_exit = mutants.copy_submission(A3.solution_dir, subs / "os_exit")  # its sandbox dies in one test
    module = os_exit / "positional_encoding.py"
    module.write_text(module.read_text() + "\nimport os\n_honest = attention_scores\n"
                      "def attention_scores(X, E, mode):\n    if mode == 'multiply':\n        os._exit(3)\n"
                      "    return _honest(X, E, mode)\n")
    local = grade.grade_batch(A3, subs, tmp_path / "out-local", workers=2, progress=False)

    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", A3.id, str(subs), "--out",
                           str(tmp_path / "out-dask"), "--scheduler", address],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Dask scheduler {address}" in (tmp_path / "out-dask" / "grading.log").read_text()
    for student, mine in local.items():
        theirs = Report.from_json((tmp_path / "out-dask" / student / "report.json").read_text())
        assert [(t.id, t.outcome, t.message) for t in theirs.tests] == \
               [(t.id, t.outcome, t.message) for t in mine.tests], student
    rows = lambda out: list(csv.DictReader((tmp_path / out / "grades.csv").open()))  # noqa: E731
    assert rows("out-dask") == rows("out-local")
    assert local["reference"].full_marks and not local["skeleton"].earned
    lost = [t for t in local["os_exit"].tests if t.outcome != "passed"]
    assert local["os_exit"].earned == local["reference"].earned - 1 and len(lost) == 1, lost
    assert "ended the process running it (exit code 3)" in lost[0].message, lost[0].message  # the reason
    assert all(p.poll() is None for p in procs), "a dask process ended during grading"

