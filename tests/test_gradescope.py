"""The Gradescope autograder zip, run as Gradescope runs it: its ``run_autograder`` script in a
Gradescope-shaped folder tree (``source/``, ``submission/``, ``results/``)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import course, gradescope, mutants

A3 = course.get("a3_positional_encoding")


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gs") / "autograder.zip"
    proc = subprocess.run([sys.executable, "-m", "autograder", "gradescope", A3.id, "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out


def gradescope_tree(tmp_path: Path, zip_path: Path, submission: Path | None) -> Path:
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
        for info in zf.infolist():  # extractall drops the mode bits Gradescope keeps
            if info.external_attr >> 16 & 0o111:
                os.chmod(root / "source" / info.filename, 0o755)
    (root / "submission").mkdir()
    if submission is not None:
        for path in submission.rglob("*"):
            if path.is_file():
                target = root / "submission" / path.relative_to(submission.parent)  # one folder deep, as a repo
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
    return root


def run_autograder(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_MAX_EXAMPLES": "5", "MPLBACKEND": "Agg",
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}  # python3 = this venv's
    return subprocess.run([str(root / "source" / "run_autograder")], capture_output=True, text=True,
                          timeout=600, env=env, cwd=root)


def test_zip_has_what_gradescope_needs_and_no_other_assignment(autograder_zip):
    names = zipfile.ZipFile(autograder_zip).namelist()
    assert {"setup.sh", "run_autograder", "requirements.txt"} <= set(names)
    assert f"course/solutions/{A3.id}/tests/test_positional_encoding.py" in names or \
        any(n.startswith(f"course/solutions/{A3.id}/tests/") for n in names)
    assert not [n for n in names if n.startswith("course/solutions/") and f"/{A3.id}/" not in n]
    setup = zipfile.ZipFile(autograder_zip).read("setup.sh").decode()
    assert "autograder.gradescope prove" in setup  # the preflight ends the image build
    assert subprocess.run(["bash", "-n", "-c", setup]).returncode == 0
    assert "torch==" in zipfile.ZipFile(autograder_zip).read("requirements.txt").decode()


@pytest.mark.parametrize("who, score, reason", [
    ("reference", 22, None),
    ("skeleton", 0, "not implemented yet"),
])
def test_run_autograder_writes_results_json(autograder_zip, tmp_path, who, score, reason):
    source = A3.solution_dir if who == "reference" else A3.skeleton_dir
    student = mutants.copy_submission(source, tmp_path / "upload" / "my-repo")
    root = gradescope_tree(tmp_path, autograder_zip, student)
    proc = run_autograder(root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == score
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_published"}
    if reason:
        assert all(reason in t["output"] for t in results["tests"] if t["status"] == "failed")


def test_a_submission_without_the_graded_file_gets_zero_with_the_reason(autograder_zip, tmp_path):
    root = gradescope_tree(tmp_path, autograder_zip, None)
    (root / "submission" / "notes.txt").write_text("forgot the code")
    proc = run_autograder(root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "no graded file found: expected positional_encoding.py" in results["output"]


def test_find_modules_takes_the_shallowest_folder(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "positional_encoding.py").write_text("")
    assert gradescope.find_modules(tmp_path, A3.modules) == tmp_path / "a" / "b"
    (tmp_path / "positional_encoding.py").write_text("")
    assert gradescope.find_modules(tmp_path, A3.modules) == tmp_path
