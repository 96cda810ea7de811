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

from autograder import check, grade
from autograder.sandbox.limits import Limits

from hostile.build import A3, MODULE, build, build_twin, honest_variants, load_cases

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
    for case in CASES:
        build(case, mixed / case.name, values)
    honest = honest_variants(30)
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
