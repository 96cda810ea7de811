"""What a student meets outside the course repository: a released folder named anything, a pytest
environment shared with other projects, a check that reports as it goes, stops in time, and
leaves the folder as it was."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from autograder import course, feedback, mutants, nbcell
from autograder import results

A3 = "a3_positional_encoding"


def cli(*args, cwd, root=None, timeout=600):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    if root is not None:
        env["DLCOURSE_ROOT"] = str(root)
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env)


def renamed_skeleton(tmp_path: Path, name: str = "my-a3") -> Path:
    """The a3 skeleton (public tests included) as a student has it, in a folder named otherwise."""
    folder = tmp_path / "home" / name
    shutil.copytree(course.get(A3).skeleton_dir, folder)
    return folder


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))}


def test_check_in_a_renamed_folder_finds_the_assignment_by_its_toml(tmp_path):
    folder = renamed_skeleton(tmp_path)
    elsewhere = tmp_path / "no-course"
    elsewhere.mkdir()
    for args, cwd in ((("check",), folder), (("check", A3), folder / "tests"),
                      (("check", "--submission", str(folder)), tmp_path)):
        proc = cli(*args, cwd=cwd, root=elsewhere)
        assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr, (args, proc.stderr)
        assert f"{A3}: {folder}" in proc.stdout and "not implemented yet" in proc.stdout, (args, proc.stdout)
    wrong = cli("check", "a1_galaxy_cnn", cwd=folder, root=elsewhere)
    assert wrong.returncode == 2 and f"holds assignment '{A3}', not 'a1_galaxy_cnn'" in wrong.stderr, wrong.stderr


def test_list_outside_any_assignment_says_where_it_looked(tmp_path):
    proc = cli("list", cwd=tmp_path, root=tmp_path)
    assert proc.returncode == 1 and "no assignments found: looked in" in proc.stderr, proc.stderr
    assert str(tmp_path / "solutions") in proc.stderr


def test_instructor_commands_need_the_course_repository(tmp_path):
    folder = renamed_skeleton(tmp_path)
    proc = cli("generate", cwd=folder, root=tmp_path / "home")
    assert proc.returncode == 2 and "needs the course repository" in proc.stderr and "Traceback" not in proc.stderr


def test_grading_writes_nothing_into_the_student_folder(tmp_path):
    """No .hypothesis/, no .pytest_cache/, no __pycache__/: neither `check` nor a notebook cell."""
    folder = renamed_skeleton(tmp_path)
    before = snapshot(folder)
    assert cli("check", cwd=folder, root=tmp_path / "home").returncode == 1
    assert cli("check", cwd=folder).returncode == 1  # the course's full suite (hidden tests) on the same folder
    nbcell._reports.clear()
    assert nbcell.score(A3, task="2", folder=folder) == 0
    assert snapshot(folder) == before, sorted(set(snapshot(folder)) - set(before))


def test_plugin_is_inactive_in_an_unrelated_pytest_project(tmp_path):
    """A project with its own `submission` fixture and hypothesis test runs as without the package."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "conftest.py").write_text(textwrap.dedent("""\
        import pytest

        @pytest.fixture
        def submission():
            return "homework"
        """))
    (project / "test_unrelated.py").write_text(textwrap.dedent("""\
        from hypothesis import given, settings, strategies as st

        def test_uses_its_own_submission_fixture(submission):
            assert submission == "homework"

        @given(st.integers())
        def test_hypothesis_keeps_its_default_profile(x):
            assert settings.get_current_profile_name() in ("default", "ci")  # hypothesis's own choice
            assert settings().max_examples == 100

        def test_autograder_is_not_loaded():
            import sys
            assert "autograder.pytest_plugin" not in sys.modules
        """))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "HYPOTHESIS_"))}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout, proc.stdout


def test_pytest_in_an_assignment_folder_grades_with_the_plugin(tmp_path):
    """The folder's tests/conftest.py loads the plugin: plain `pytest` there runs the graded tests."""
    folder = renamed_skeleton(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_positional_encoding.py"], cwd=folder, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 1 and "NotImplementedError" in proc.stdout, proc.stdout[-2000:] + proc.stderr
    assert "fixture 'submission' not found" not in proc.stdout


def endless_loop(tmp_path: Path) -> Path:
    """The reference with an endless loop in attention_scores (task 3)."""
    a3 = course.get(A3)
    folder = mutants.copy_submission(a3.solution_dir, tmp_path / "student")
    path = folder / "positional_encoding.py"
    path.write_text(path.read_text().replace('    if mode == "add":', '    while True:\n        pass\n    if mode == "add":'))
    return folder


def test_time_budget_stops_the_check_and_says_so(tmp_path):
    folder = endless_loop(tmp_path)
    began = time.monotonic()
    proc = cli("check", A3, "--submission", str(folder), "--test-timeout", "30", "--time-budget", "4", cwd=tmp_path)
    assert time.monotonic() - began < 120
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert "the check stopped after its time budget of 4 s" in proc.stdout, proc.stdout
    assert "not run: the check stopped after its time budget" in proc.stdout, proc.stdout


def test_ctrl_c_prints_what_is_known(tmp_path):
    folder = endless_loop(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "check", A3, "--submission", str(folder),
                             "--test-timeout", "600"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path, env={**os.environ, "MPLBACKEND": "Agg"})
    try:
        seen = ""
        deadline = time.monotonic() + 300
        while "tests in" not in seen and time.monotonic() < deadline:  # the first progress line
            seen += proc.stderr.readline()
        time.sleep(3)  # the first test (task 3, attention_scores) is now looping
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, out + err
    assert "you stopped the check (Ctrl-C)" in out and "Traceback" not in out + err, out + err
    assert "Task 3" in out and "Total" in out, out


def test_feedback_shows_a_repeated_message_once_with_a_count():
    tests = [results.TestResult(id=f"t{i}", title=f"test {i}", task="2", task_title="pe", points=1, hidden=False,
                        bonus=False, outcome="failed", message="positional_encoding.py does not compile: bad (line 1)")
             for i in range(5)]
    report = results.Report(A3, "/home/me/my-a3", tests, hidden_included=False)
    text = feedback.text(report)
    assert text.count("does not compile") == 1 and "(and 4 more tests with this message)" in text, text
    assert "hidden tests, which carry more points" in text
    cell = nbcell.summary(report, "2")
    assert cell.startswith("Task 2: 0 / 5") and cell.count("does not compile") == 1 and "(5 tests)" in cell, cell


def test_notebook_cell_grades_in_the_kernel_where_the_sandbox_cannot_run(tmp_path, monkeypatch, capsys):
    """On macOS or Windows (no namespaces, no fork server) the cell grades in process and says so."""
    folder = renamed_skeleton(tmp_path)
    before = snapshot(folder)
    monkeypatch.setattr(nbcell, "sandbox_possible", lambda: False)  # what macOS and Windows answer
    nbcell._reports.clear()
    assert nbcell.score(A3, task="2", folder=folder) == 0
    assert nbcell.score(A3, task="3", folder=folder) == 0
    printed = capsys.readouterr()
    assert printed.err == "", "nbgrader gives a cell with stderr output zero points"
    assert printed.out.startswith("Task 2: 0 / ") and "not implemented yet" in printed.out, printed.out
    assert printed.out.count(nbcell.IN_KERNEL) == 1 and "Task 3: 0 / " in printed.out, printed.out
    assert snapshot(folder) == before


def test_a_test_file_that_does_not_import_is_not_called_ctrl_c(tmp_path):
    folder = renamed_skeleton(tmp_path)
    (folder / "tests" / "test_broken.py").write_text("import no_such_module_here\n")
    proc = cli("check", cwd=folder, root=tmp_path / "home")
    assert proc.returncode == 1 and "could not collect test_broken.py" in proc.stdout, proc.stdout
    assert "Ctrl-C" not in proc.stdout.replace("(Ctrl-C stops", "")


class Lines:
    """A process's output read in a thread, so that a test can wait for a line without blocking."""

    def __init__(self, proc: subprocess.Popen):
        import queue
        import threading

        self.text, self._queue = "", queue.Queue()
        threading.Thread(target=lambda: [self._queue.put(line) for line in proc.stdout], daemon=True).start()

    def until(self, marker: str, count: int, timeout: float = 300) -> str:
        """All output so far, once ``marker`` has appeared ``count`` times (or fail after ``timeout``)."""
        import queue

        deadline = time.monotonic() + timeout
        while self.text.count(marker) < count:
            try:
                self.text += self._queue.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {marker!r} #{count} within {timeout:g} s; output so far:\n{self.text}")
        return self.text


def test_watch_checks_again_after_every_save_and_stops_on_ctrl_c(tmp_path):
    folder = renamed_skeleton(tmp_path)
    elsewhere = tmp_path / "no-course"
    elsewhere.mkdir()
    module = folder / "positional_encoding.py"
    skeleton = module.read_text()
    before = snapshot(folder)
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "check", "--task", "2", "--watch"], cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "MPLBACKEND": "Agg", "DLCOURSE_ROOT": str(elsewhere)})
    out = Lines(proc)
    try:
        first = out.until("save a file to check again", 1)
        assert "0 / 8" in first and "not implemented yet" in first, first  # public tests only
        module.write_text("def positional_encoding(n_tokens, dim)\n")  # saved half-way: does not compile
        second = out.until("save a file to check again", 2)[len(first):]
        assert "does not compile" in second and "Traceback" not in second, second
        module.write_text((course.get(A3).solution_dir / "positional_encoding.py").read_text())
        third = out.until("save a file to check again", 3)[len(first) + len(second):]
        assert "8 / 8" in third and "not implemented yet" not in third, third
        assert proc.poll() is None, "the watch should keep running between saves"
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=120)
    assert code == 0 and "stopped watching." in out.until("stopped watching.", 1), out.text
    module.write_text(skeleton)
    assert {k for k, v in snapshot(folder).items() if before.get(k) != v} == {"positional_encoding.py"}, \
        "the watch wrote into the student's folder"
