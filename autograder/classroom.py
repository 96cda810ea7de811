"""GitHub Classroom: the released folder as a template repository that grades itself on push.

GitHub Classroom's autograding reporter (``classroom-resources/autograding-grading-reporter``)
reads, for each runner named in its ``runners`` input, an environment variable
``<RUNNER>_RESULTS`` holding base64 of this JSON (:func:`result`)::

    {"version": 1, "status": "pass" | "fail" | "error", "max_score": M,
     "tests": [{"name": ..., "status": "pass" | "fail", "score": s, "message": ...}, ...]}

and reports the sum of the scores out of the sum of ``max_score``. ``python -m autograder
classroom`` runs the public tests in the student's repository (the in-process ``check``: the
student only cheats themselves, and the instructor's real grade comes from ``grade``) and writes
``result=<base64>`` to ``$GITHUB_OUTPUT``; :func:`workflow` is the workflow file that wires it up.
"""
from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

from .course import Assignment
from .results import Report

RUNNER = "autograder"

WORKFLOW = """name: Autograding Tests
"on":
  - push
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-24.04
    if: github.actor != 'github-classroom[bot]'
    steps:
      - uses: actions/checkout@v4
      - name: Install the course package
        run: python3 -m pip install --break-system-packages {package}
      - name: Public tests of {id}
        id: {runner}
        run: python3 -m autograder classroom {id} --submission .
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          {env}_RESULTS: "${{{{ steps.{runner}.outputs.result }}}}"
        with:
          runners: {runner}
"""


def result(report: Report) -> dict:
    """GitHub Classroom's runner result for ``report`` (one entry per test, hidden ones excluded)."""
    tests = [{"name": f"Task {t.task}: {t.title}", "status": "pass" if t.outcome == "passed" else "fail",
              "score": t.earned, "message": "" if t.outcome == "passed" else (t.message or t.outcome)}
             for t in report.tests if not t.hidden]
    if report.error:
        status = "error"
    else:
        status = "pass" if all(t["status"] == "pass" for t in tests) else "fail"
    return {"version": 1, "status": status, "max_score": sum(t.points for t in report.tests if not t.hidden),
            "tests": tests}


def encoded(report: Report) -> str:
    return base64.b64encode(json.dumps(result(report)).encode()).decode()


def workflow(assignment: Assignment, package: str = "dlcourse-autograder") -> str:
    """``.github/workflows/classroom.yml`` for the assignment's template repository."""
    return WORKFLOW.format(id=assignment.id, runner=RUNNER, env=RUNNER.upper(), package=package)


def main(assignment: Assignment, folder: Path) -> int:
    """Run the public tests on ``folder``, print the points, write the result for the reporter."""
    from . import check, feedback

    report = check.run(assignment, folder, hidden=False)
    print(feedback.text(report))
    line = f"result={encoded(report)}\n"
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(line)
    else:
        sys.stdout.write(line)
    return 0
