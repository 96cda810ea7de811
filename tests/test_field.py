"""The batch grader in the setups instructors really have: it proves itself on the reference
solution before grading anyone (the preflight), sees the Python environment wherever it lives,
and never blames the student for its own faults."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from autograder import course, mutants
from autograder.batch.job import grader_fault
from autograder.results import Report
from autograder.results import TestResult as Result

A3 = course.get("a3_positional_encoding")
QUICK = {"AUTOGRADER_MAX_EXAMPLES": "5", "MPLBACKEND": "Agg"}


def submissions(root: Path) -> Path:
    mutants.copy_submission(A3.solution_dir, root / "alice")   # honest: the reference
    mutants.copy_submission(A3.skeleton_dir, root / "bob")     # nothing done
    return root


def grade_cli(python: str, subs: Path, out: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-m", "autograder", "grade", A3.id, str(subs), "--out", str(out), "--workers", "1"],
                          capture_output=True, text=True, cwd=A3.root, timeout=600,
                          env={**os.environ, **QUICK, **(env or {})})


def rows(out: Path) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader((out / "grades.csv").open())}


def symlinked_venv_under_tmp(tmp_path: Path) -> Path:
    """A virtual environment whose real folder is under /tmp (hidden by the sandbox's private
    /tmp) and which the grader runs through a symlink: ``link -> real/venv``. numpy lives in it
    (copied, so its lazily imported parts such as numpy.random are only there); torch and the rest
    come from the suite's own environment through a ``.pth`` file."""
    real = tmp_path / "real" / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(real)], check=True)
    site = real / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    numpy_dir = Path(__import__("numpy").__file__).parent
    for part in [numpy_dir, *numpy_dir.parent.glob("numpy.libs"), *numpy_dir.parent.glob("numpy-*.dist-info")]:
        shutil.copytree(part, site / part.name, symlinks=True)
    suite_site = sysconfig.get_paths()["purelib"]
    (site / "zz_suite.pth").write_text(f"import site; site.addsitedir({suite_site!r})\n")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    return link


def test_venv_reached_through_a_symlink_under_tmp_grades_the_reference_at_full_marks(tmp_path):
    assert str(tmp_path).startswith("/tmp/"), "the setup needs the real venv under /tmp"
    venv = symlinked_venv_under_tmp(tmp_path)
    python = str(venv / "bin" / "python")
    probe = subprocess.run([python, "-c", "import numpy, sys; print(numpy.__file__); print(sys.prefix)"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert probe == [str(venv / Path(probe[0]).relative_to(venv)), str(venv)], probe  # numpy from the link
    out = tmp_path / "out"
    done = grade_cli(python, submissions(tmp_path / "subs"), out)
    assert done.returncode == 0, done.stderr[-3000:]
    graded = rows(out)
    assert graded["alice"]["total"] == "18" and graded["alice"]["error"] == "", graded["alice"]
    feedback = (out / "bob" / "feedback.md").read_text()
    assert graded["bob"]["total"] == "0" and "not implemented yet" in feedback  # the zero's reason
    assert "ModuleNotFoundError" not in feedback
    assert "preflight: the reference solution earned full marks" in (out / "grading.log").read_text()


def test_preflight_stops_a_broken_sandbox_before_any_grade_is_written(tmp_path):
    """Hide the environment's folders from the sandbox: the reference fails, so nothing is graded."""
    from autograder.sandbox import jail

    hide = os.pathsep.join(dict.fromkeys([sys.prefix, os.path.realpath(sys.prefix)]))
    out = tmp_path / "out"
    done = grade_cli(sys.executable, submissions(tmp_path / "subs"), out, env={jail.HIDE_ENV: hide})
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "could not grade the reference solution" in done.stderr
    assert "not visible there" in done.stderr and sys.prefix in done.stderr  # names the hidden folder
    assert not (out / "grades.csv").exists()
    assert not list(out.glob("*/report.json")) and not list(out.glob("*/feedback.md"))
    assert "preflight failed, nothing graded" in (out / "grading.log").read_text()


def test_preflight_can_be_skipped_and_the_log_says_so(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", A3.id, str(submissions(tmp_path / "subs")),
                           "--out", str(out), "--workers", "1", "--no-preflight"],
                          capture_output=True, text=True, cwd=A3.root, timeout=600, env={**os.environ, **QUICK})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "graded 2 of 2 submissions" in done.stdout
    assert "preflight skipped (--no-preflight)" in (out / "grading.log").read_text()


def _report(message: str) -> Report:
    test = Result("t::x", "x", "1", "task", 1.0, False, False, "failed", message)
    return Report(A3.id, "s", [test])


def test_a_module_the_grader_can_import_but_the_sandbox_cannot_is_a_grader_fault():
    fault = grader_fault(_report("your code raised ModuleNotFoundError: No module named 'numpy.random'"),
                         {"hidden_paths": ["/somewhere/.venv"]}, A3.modules)
    assert fault and "numpy.random" in fault and "/somewhere/.venv" in fault


@pytest.mark.parametrize("message", [
    "your code raised ModuleNotFoundError: No module named 'pandas_not_installed_here'",  # not installed: the student's
    "your code raised ModuleNotFoundError: No module named 'positional_encoding'",         # the student's own module
    "expected 0.54, got 0.99",
])
def test_student_faults_are_not_grader_faults(message):
    assert grader_fault(_report(message), {}, A3.modules) is None


def test_a_sandbox_that_could_not_start_is_a_grader_fault():
    assert grader_fault(_report(""), {"setup_failed": "the sandbox could not start: mount failed"}, A3.modules)


def test_a_grading_script_run_from_the_temporary_folder_grades_and_shows_no_scratch(tmp_path):
    """`python /tmp/grade_all.py` puts /tmp on sys.path. The sandbox must not show that folder: every
    sandbox's scratch copy of a submission lives there (and binding it read-only broke every sandbox)."""
    import tempfile

    script = Path(tempfile.gettempdir()) / f"dlcourse_grade_{os.getpid()}_{tmp_path.name}.py"
    script.write_text(
        "import sys\n"
        "from autograder import course, grade\n"
        "from autograder.sandbox import jail\n"
        "a = course.get('a3_positional_encoding')\n"
        "print('shown:', [p for p in jail.readable_paths() if p in ('/tmp', '/')])\n"
        f"report = grade.grade_one(a, __import__('pathlib').Path({str(A3.solution_dir)!r}))\n"
        "print('error:', report.error)\n"
        "print('points:', report.earned - report.bonus_earned, '/', report.possible)\n")
    try:
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600,
                              cwd=A3.root, env={**os.environ, **QUICK})
    finally:
        script.unlink()
    assert done.returncode == 0, done.stderr[-3000:]
    assert "shown: []" in done.stdout and "error: \n" in done.stdout, done.stdout
    assert "points: 18.0 / 18.0" in done.stdout, done.stdout
