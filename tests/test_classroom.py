"""GitHub Classroom: the command its workflow runs writes the reporter's result to $GITHUB_OUTPUT."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest

from autograder import classroom, course, mutants

A3 = course.get("a3_positional_encoding")


@pytest.mark.parametrize("who", ["reference", "skeleton"])
def test_classroom_command_writes_the_reporters_result(tmp_path, who):
    repo = mutants.copy_submission(A3.solution_dir if who == "reference" else A3.skeleton_dir, tmp_path / "repo")
    output = tmp_path / "github_output"
    proc = subprocess.run([sys.executable, "-m", "autograder", "classroom", A3.id, "--submission", str(repo)],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "GITHUB_OUTPUT": str(output), "AUTOGRADER_MAX_EXAMPLES": "5"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    key, value = output.read_text().strip().split("=", 1)
    result = json.loads(base64.b64decode(value))
    assert key == "result" and result["version"] == 1
    assert result["tests"] and result["max_score"] > 0
    assert all(t["name"].startswith("Task ") for t in result["tests"])
    scores = sum(t["score"] for t in result["tests"])
    if who == "reference":
        assert result["status"] == "pass" and scores == result["max_score"]
    else:
        assert result["status"] == "fail" and scores == 0
        assert all("not implemented yet" in t["message"] for t in result["tests"])  # the zero's reason


def test_workflow_runs_the_command_and_feeds_the_reporter():
    text = classroom.workflow(A3)
    assert f"python3 -m autograder classroom {A3.id} --submission ." in text
    assert "AUTOGRADER_RESULTS: \"${{ steps.autograder.outputs.result }}\"" in text
    assert "runners: autograder" in text and "classroom-resources/autograding-grading-reporter@v1" in text
