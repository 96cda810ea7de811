"""Hostile submissions get exactly the points their honest work deserves, with feedback that says
what happened, and cannot harm the grader, the files around them or their honest neighbours.

One batch grades every hostile submission mixed with 30 honest ones (the ``arena``); the tests
below read its results. Limits are tight (10 s per test, 8 s to import) to keep this fast.
"""
from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest
import torch

from autograder import check, grade
from autograder.sandbox.limits import Limits

from hostile.build import A3, MODULE, build, build_twin, honest_variants, load_cases, needles, reference

CASES = load_cases()
TWINS = [c for c in CASES if c.twin]
MAX_EXAMPLES = "10"  # hypothesis examples per test here (grading uses 30): the same for every grade compared
LIMITS = Limits(test_s=10, import_s=8, submission_s=150, cpu_s=60, memory_mb=1024, processes=32, file_mb=16,
                scratch_mb=64)


class Listener:
    """A TCP server on localhost that records every connection (there must be none)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(1 << 16) or b"<connected>")
                except OSError:
                    self.received.append(b"<connected>")

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module", autouse=True)
def quick_hypothesis():
    from hypothesis import settings

    from autograder.sandbox import judge

    os.environ[judge.MAX_EXAMPLES_ENV] = MAX_EXAMPLES
    yield
    del os.environ[judge.MAX_EXAMPLES_ENV]
    settings.load_profile("grading")


@pytest.fixture(scope="module")
def arena(tmp_path_factory, quick_hypothesis):
    base = tmp_path_factory.mktemp("arena")
    victims = base / "victims"
    (victims / "dir").mkdir(parents=True)
    (victims / "victim.txt").write_text("precious")
    (victims / "dir" / "a.txt").write_text("also precious")
    mixed, honest_dir, out = base / "mixed", base / "honest", base / "out-mixed"
    secret = f"s3cret-{uuid.uuid4().hex}"
    os.environ["AUTOGRADER_TEST_SECRET"] = secret  # the grader's workers inherit it; children must not see it
    listener = Listener()
    values = {
        "__COURSE_ROOT__": str(A3.root),
        "__VICTIM__": str(victims / "victim.txt"),
        "__VICTIM_DIR__": str(victims / "dir"),
        "__ORIGINAL__": str(mixed / "delete_files" / MODULE),
        "__OUT__": str(out),
        "__SUBMISSIONS__": str(mixed),
        "__PORT__": str(listener.port),
        "__MARKER__": str(base / "MARKER"),
        "__SECRET__": secret,
        "__GRADER_PID__": str(os.getpid()),
    }
    honest = honest_variants(30)
    # memory_scan looks for the others' names (the distinctive ones: "daemon" is also a word of Python's)
    values["__OTHER_NAMES_HEX__"] = needles([*honest, *(c.name for c in CASES if len(c.name) >= 12)])
    for case in CASES:
        build(case, mixed / case.name, values)
    for name, text in honest.items():
        for root in (mixed, honest_dir):
            (root / name).mkdir(parents=True)
            (root / name / MODULE).write_text(text)
    original = (mixed / "delete_files" / MODULE).read_text()
    began = time.monotonic()
    try:
        reports = grade.grade_batch(A3, mixed, out, workers=2, progress=False, limits=LIMITS)
    finally:
        seconds = time.monotonic() - began
        time.sleep(1.5)  # a daemon that survived would now write its marker
        listener.close()
        del os.environ["AUTOGRADER_TEST_SECRET"]
    return {"reports": reports, "out": out, "base": base, "victims": victims, "listener": listener,
            "honest": honest, "honest_dir": honest_dir, "seconds": seconds, "original": original, "mixed": mixed}


def test_at_least_25_single_purpose_cases():
    assert len(CASES) >= 25
    for case in CASES:
        assert case.doc, f"{case.name}: first docstring line says what it tries"
        assert set(case.expect) <= {"2", "3", "4"}, case.name
        assert case.expect == {} or case.feedback, f"{case.name}: a case that loses points names the feedback"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_submission_gets_its_honest_points_and_says_why(arena, case):
    report = arena["reports"][case.name]
    got = {t.key: t.earned for t in report.tasks()}
    want = {task: case.points(task) for task in ("2", "3", "4")}
    messages = [f"{t.id}: {t.message}" for t in report.tests if t.outcome != "passed"]
    assert got == want, f"{case.doc}\n" + "\n".join(messages + [report.error])
    text = "\n".join(messages + [report.error])
    for expected in case.feedback:
        assert expected in text, f"{case.name}: feedback should say {expected!r}; it says:\n{text}"
    if not case.expect:
        assert report.full_marks, text


@pytest.mark.parametrize("case", TWINS, ids=[c.name for c in TWINS])
def test_hostile_part_changes_nothing_against_its_honest_twin(arena, case, tmp_path):
    """The in-process grade of the submission without its hostile lines equals its sandboxed grade."""
    from hypothesis import settings

    settings.register_profile("grading-quick", parent=settings.get_profile("grading"), max_examples=int(MAX_EXAMPLES))
    settings.load_profile("grading-quick")
    try:
        twin = check.run(A3, build_twin(case, tmp_path / case.name))
    finally:
        settings.load_profile("grading")
    hostile = arena["reports"][case.name]
    assert {t.id: t.outcome for t in twin.tests} == {t.id: t.outcome for t in hostile.tests}


def test_honest_grades_are_the_same_alone_and_among_hostile_neighbours(arena, tmp_path):
    alone = grade.grade_batch(A3, arena["honest_dir"], tmp_path / "out-alone", workers=2, progress=False,
                              limits=LIMITS)
    assert set(alone) == set(arena["honest"])
    for student, report in alone.items():
        mixed = arena["reports"][student]
        assert {t.id: (t.outcome, t.message) for t in mixed.tests} == {t.id: (t.outcome, t.message) for t in report.tests}, student
        assert not report.error and not mixed.error


def test_every_submission_is_once_in_grades_csv_and_no_fake_result_survives(arena):
    import csv

    rows = list(csv.DictReader((arena["out"] / "grades.csv").open()))
    assert sorted(r["student"] for r in rows) == sorted(arena["reports"])
    assert {r["student"]: r["total"] for r in rows}["fake_results"] == "18"
    for path in arena["out"].rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json"):
            assert "FAKE" not in path.read_text(), path
    assert not (arena["mixed"].parent / "grades.csv").exists()


def test_files_outside_the_sandbox_are_untouched(arena):
    victims = arena["victims"]
    assert (victims / "victim.txt").read_text() == "precious"
    assert (victims / "dir" / "a.txt").read_text() == "also precious"
    assert sorted(p.name for p in victims.rglob("*")) == ["a.txt", "dir", "victim.txt"]
    assert (arena["mixed"] / "delete_files" / MODULE).read_text() == arena["original"]


def test_no_network_connection_and_no_surviving_daemon(arena):
    assert arena["listener"].received == []
    assert not (arena["base"] / "MARKER").exists(), "a daemon or an unpickled payload wrote the marker"
    survivors = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "hostile-daemon":
                survivors.append(comm.parent.name)
        except OSError:
            continue
    assert not survivors, f"daemon processes outlived grading: {survivors}"


def test_batch_finishes_in_bounded_time(arena):
    assert arena["seconds"] < 600, arena["seconds"]


# --- the sandbox's own mechanisms, in both tiers ----------------------------------------------------------
TIERS = ["auto", "userns"]  # as root: full namespaces; "userns": what an unprivileged grader gets


class SpySpawner:
    """The process's fork server, recording every spawn request it is sent."""

    def __init__(self):
        from autograder.sandbox import judge

        self.inner = judge.default_spawner()
        self.requests: list[str] = []

    def spawn(self, spec):
        import json

        self.requests.append(json.dumps(spec.to_json()))  # a jail.Spec, as the fork server receives it
        return self.inner.spawn(spec)


def _sandbox(folder: Path, tier: str, name: str = "student", limits: Limits | None = None, spawner=None):
    from autograder.sandbox import judge, proxy, session

    s = session.Session(spawner or judge.default_spawner(), folder, [MODULE], limits or Limits(test_s=30), name=name,
                        isolate=tier)
    return proxy.RemoteSubmission(s, folder), s


def _need_tier(s, tier: str) -> None:
    if tier == "userns" and s.mode != "userns":
        pytest.skip(f"user namespaces are not available here ({s.mode})")


def _case_folder(name: str, dest: Path) -> Path:
    case = next(c for c in CASES if c.name == name)
    return build(case, dest / name, {"__OTHER_NAMES_HEX__": "[]"})


@pytest.mark.parametrize("tier", TIERS)
def test_checks_the_child_could_forge_hold_in_both_tiers(tier, tmp_path):
    """The vectorized check, the input copies and exception classes: each new case against its honest twin."""
    from autograder import expect

    def steps(sub):
        return expect.python_steps(sub.positional_encoding, 4096, 1024, within=sub.dir, budget=4096,
                                   description="positional_encoding(4096, 1024)")

    honest = tmp_path / "honest"
    honest.mkdir()
    (honest / MODULE).write_text(reference())
    sub, s = _sandbox(honest, tier)
    try:
        E, count = steps(sub)
        _need_tier(s, tier)
        assert E.shape == (1024, 4096) and count < 100, "the vectorized reference keeps its points"
    finally:
        s.close()
    for name in ("vectorized_settrace_off", "vectorized_replaced_counter", "vectorized_thread", "vectorized_foreign_file"):
        case = next(c for c in CASES if c.name == name)
        for folder in (_case_folder(name, tmp_path), build_twin(case, tmp_path / f"twin-{name}")):
            sub, s = _sandbox(folder, tier)
            try:
                with pytest.raises(AssertionError) as info:  # the hostile loop and its honest twin's both fail
                    steps(sub)
                if folder.name == name:
                    assert case.feedback[0] in str(info.value), f"{name}: {info.value}"
                else:
                    assert "executed more than 4096 lines of Python" in str(info.value)
            finally:
                s.close()

    sub, s = _sandbox(_case_folder("exception_subclass", tmp_path), tier)
    try:
        with pytest.raises(ValueError, match="positive even number") as info:
            sub.positional_encoding(4, 3)
        assert type(info.value).__name__ == "EncodingError"
        _need_tier(s, tier)
    finally:
        s.close()

    sub, s = _sandbox(_case_folder("modify_inputs", tmp_path), tier)
    try:
        X, E = torch.ones(3, 4, dtype=torch.float64), torch.full((3, 4), 2.0, dtype=torch.float64)
        with pytest.raises(AssertionError, match="attention_scores changed argument 1 and argument 2 in place"):
            sub.attention_scores(X, E, "concat")
        assert torch.equal(X, torch.ones(3, 4, dtype=torch.float64)), "the test's copy keeps its value"
        assert torch.equal(sub.attention_scores(X, E, "add"), (X + E).T @ (X + E)), "its honest mode still counts"
    finally:
        s.close()


@pytest.mark.parametrize("tier", TIERS)
def test_a_crash_costs_only_the_tests_of_its_task(tier, tmp_path):
    """positional_encoding segfaults on every call: task 2 is lost (after its restart budget, its
    remaining tests fail at once), tasks 3 and 4 keep every point their honest functions earn alone."""
    from autograder.sandbox import judge

    folder = tmp_path / "crashes"
    folder.mkdir()
    (folder / MODULE).write_text(reference() + "\n\nimport ctypes as _ctypes\n\n\n"
                                 "def positional_encoding(n_tokens, dim):\n    _ctypes.string_at(0)\n")
    report, info = judge.grade(A3, folder, limits=LIMITS.replace(restarts=1), isolate=tier)
    if tier == "userns" and info["isolation"] != "userns":
        pytest.skip(f"user namespaces are not available here ({info['isolation']})")
    messages = "\n".join(t.message for t in report.tests if t.outcome != "passed")
    assert {t.key: t.earned for t in report.tasks()} == {"2": 0.0, "3": 6.0, "4": 4.0}, messages
    assert not report.error, report.error
    assert "crashed or ran out of time 2 times in the tests of task 2" in messages, messages
    assert "signal 11 (SIGSEGV" in messages


@pytest.mark.parametrize("tier", TIERS)
def test_a_child_finds_no_other_students_name_in_its_memory(tier, tmp_path):
    """Sandboxes of students with names of several lengths (so the allocator does not reuse one
    buffer for all), then a child that scans its own memory (inherited from the fork server) for them.
    Whether a freed request survives in memory depends on the allocator; what reaches the fork
    server at all is checked exactly: no spawn request names the student."""
    import uuid

    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / MODULE).write_text("def f():\n    return 1\n")
    names = [f"student-{uuid.uuid4().hex * 4}"[:12 + 20 * i] for i in range(6)]
    spy = SpySpawner()
    for name in names:
        sub, s = _sandbox(victim, tier, name=name, spawner=spy)
        try:
            assert sub.f() == 1
        finally:
            s.close()
    sub, s = _sandbox(_case_folder("memory_scan", tmp_path), tier, name="scanner")
    try:
        hits = sub.scan_own_memory(eval(needles(names)))
        _need_tier(s, tier)
        control = sub.scan_own_memory(eval(needles(['"readable"'])))  # a key of the spawn request it came from
        assert control is None or control >= 1, "the scan finds what is there"
    finally:
        s.close()
    assert len(spy.requests) == len(names)
    assert not [r for r in spy.requests if any(name in r for name in names)], "a spawn request names the student"
    if tier == "userns":
        assert hits == 0, f"{hits} copies of other students' names in a child's memory"
    else:
        assert hits in (0, None), hits  # the sandbox's own user cannot even read its memory file


FLOOD = """
import json as _json, os as _os, socket as _socket, stat as _stat, time as _time
import torch


def honest(n):
    return torch.ones(n)


def flood(kind):
    fd = next(fd for fd in range(3, 1024) if _is_socket(fd))
    channel = _socket.socket(fileno=fd)
    if kind == "header":  # a 63 MB header of {} (and the 500 MB it would announce)
        n = 63 * 2**20
        channel.sendall(n.to_bytes(4, "big"))
        block = b"{}," * (2**20 // 3)
        for _ in range(n // len(block)):
            channel.sendall(block)
    else:  # a well-formed header announcing 500 MB of data, and the data
        header = _json.dumps({"ok": True, "value": {"$": "bytes", "b": 0}, "blobs": [500 * 2**20]}).encode()
        channel.sendall(len(header).to_bytes(4, "big") + header)
        block = bytes(2**20)
        for _ in range(500):
            channel.sendall(block)
    _time.sleep(60)


def _is_socket(fd):
    try:
        return _stat.S_ISSOCK(_os.fstat(fd).st_mode)
    except OSError:
        return False
"""

FLOOD_PROBE = """
import json, resource, sys
from pathlib import Path
from autograder.sandbox import errors, judge, proxy, session
from autograder.sandbox.limits import Limits

folder = Path(sys.argv[1])
s = session.Session(judge.default_spawner(), folder, ["positional_encoding.py"], Limits(test_s=60))
sub = proxy.RemoteSubmission(s, folder)
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
s.begin_test()
assert float(sub.honest(1000).sum()) == 1000.0
s.end_test()
baseline, out = peak(), {}
for kind in ("header", "data"):
    s.begin_test()
    try:
        sub.flood(kind)
        out[kind] = "accepted"
    except BaseException as exc:
        out[kind] = f"{type(exc).__name__}: {exc}"
    s.end_test()
    out[kind + "_peak"] = peak() - baseline
s.begin_test()
out["after"] = float(sub.honest(10).sum())
s.end_test()
s.close()
print(json.dumps({"baseline": baseline, **out}))
"""


def test_a_reply_flood_keeps_the_grader_within_its_memory_budget(tmp_path):
    """A child writing a 63 MB header of {} (announcing 500 MB), then a well-formed 500 MB reply of
    bytes, on its own channel: the grading process's peak memory (``ru_maxrss``, in a fresh process
    that graded an honest call first) grows by at most the reply limit plus 128 MB, and both replies
    are the submission's failure (not the grader's), after which the sandbox serves again."""
    import json
    import subprocess
    import sys

    from autograder.course import course_root

    folder = tmp_path / "flood"
    folder.mkdir()
    (folder / MODULE).write_text(FLOOD)
    budget = Limits().reply_mb * 2**20 + 128 * 2**20
    env = {**os.environ, "PYTHONPATH": str(course_root())}
    done = subprocess.run([sys.executable, "-c", FLOOD_PROBE, str(folder)], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"grader peak memory over its baseline ({got['baseline'] / 2**20:.0f} MB): 63 MB header flood "
          f"{got['header_peak'] / 2**20:.0f} MB, 500 MB data flood {got['data_peak'] / 2**20:.0f} MB "
          f"(budget {budget / 2**20:.0f} MB)")
    assert got["header"].startswith("BadReply") and "header of 66060288 bytes is over the limit" in got["header"]
    assert got["data"].startswith("BadReply"), got["data"]
    assert got["header_peak"] < 64 * 2**20, got
    assert got["data_peak"] < budget, got
    assert got["after"] == 10.0


def _processes() -> dict[int, tuple[int, str]]:
    """{pid: (parent pid, command line)} of every process."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        out[int(stat.parent.name)] = (ppid, cmdline)
    return out


def _busy_fork_servers(workers: set[int]) -> list[tuple[int, int]]:
    """(worker pid, fork server pid) of fork servers that have a sandbox running (a submission in flight)."""
    procs = _processes()
    servers = {pid: ppid for pid, (ppid, cmd) in procs.items()
               if ppid in workers and "autograder.sandbox.forkserver" in cmd}
    return [(servers[pid], pid) for pid in servers if any(ppid == pid for ppid, _ in procs.values())]


def test_killed_fork_server_and_worker_regrade_their_students_with_the_same_grades(arena, tmp_path):
    """Mid-batch, SIGKILL one worker's fork server while it runs a sandbox, later another worker:
    every student is graded exactly once, with the grade of the uninterrupted arena run, and the
    log says what died (a grader fault is never a student's grade)."""
    import csv
    import shutil
    import signal

    students = sorted(arena["honest"])[:4]
    submissions = tmp_path / "subs"
    for student in students:
        shutil.copytree(arena["honest_dir"] / student, submissions / student)
    out = tmp_path / "out"
    result: dict = {}
    batch = threading.Thread(target=lambda: result.update(reports=grade.grade_batch(
        A3, submissions, out, workers=2, progress=False, limits=LIMITS)))
    batch.start()
    killed = []
    deadline = time.monotonic() + 240
    while batch.is_alive() and len(killed) < 2 and time.monotonic() < deadline:
        workers = {pid for pid, (ppid, cmd) in _processes().items()
                   if ppid == os.getpid() and "autograder.batch.worker" in cmd}
        busy = _busy_fork_servers(workers)
        if not killed and busy:
            os.kill(busy[0][1], signal.SIGKILL)
            killed.append(("fork server", busy[0]))
        elif len(killed) == 1:
            others = [b for b in busy if b[0] != killed[0][1][0]]
            if others:
                time.sleep(0.5)  # mid-submission
                os.kill(others[0][0], signal.SIGKILL)
                killed.append(("worker", others[0]))
        time.sleep(0.05)
    batch.join(timeout=300)
    assert [what for what, _ in killed] == ["fork server", "worker"], killed
    reports = result["reports"]
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert sorted(r["student"] for r in rows) == students, "every student once"
    for student in students:
        want = arena["reports"][student]
        got = reports[student]
        assert not got.error_kind and not got.error, (student, got.error)
        assert {t.id: (t.outcome, t.message) for t in got.tests} == {t.id: (t.outcome, t.message) for t in want.tests}, student
    log = "\n".join(p.read_text() for p in out.rglob("*.log"))
    assert "the sandbox fork server died" in log, log[-3000:]
    assert "grader error on" in log and "WorkerDied" in log, log[-3000:]  # the log says what died
