"""An assignment packaged as a Gradescope autograder, and the program Gradescope runs.

Gradescope's contract (its "autograder specifications"): the instructor uploads a zip holding
``setup.sh``, run once as root in ``/autograder/source`` while Gradescope builds the image, and
``run_autograder``, run for each submission with the student's files in ``/autograder/submission``;
the grade is whatever it writes to ``/autograder/results/results.json``.

Our zip (:func:`build`) holds those two scripts, ``requirements.txt`` (the course's direct
dependencies, installed under ``constraints.txt``'s pins) and ``course/``: the grader package and
this assignment only (``solutions/<id>`` with the reference and the hidden tests, which Gradescope
keeps private to the course staff, and ``assignments/<id>``). ``setup.sh`` ends with the preflight:
the reference graded in the image, so an autograder that would grade wrongly fails to build.

Per submission (:func:`run`) the student's graded modules are found (at the top of the
submission or in one folder below, as uploads and GitHub repositories arrive) and graded by the
same sandboxed function as ``python -m autograder grade``; ``results.json`` is the same format as
``grade`` writes (``batch.store.gradescope``), hidden tests visible after publication. A fault of
the grader writes no result and exits 1, which Gradescope shows as an autograder failure that can
be rerun, never as the student's grade.
"""
from __future__ import annotations

import json
import sys
import tomllib
import zipfile
from pathlib import Path

from .course import Assignment

ROOT = Path("/autograder")

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source, while it builds the image.
# Use a base image with Python 3.11 or newer (Ubuntu 24.04).
set -euo pipefail
cd "$(dirname "$0")"
python3 -m pip install --break-system-packages -c course/constraints.txt -r requirements.txt
# The preflight: the reference solution must earn full marks here, or the image fails to build.
PYTHONPATH=course DLCOURSE_ROOT=course python3 -m autograder.gradescope prove {id}
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission: /autograder/submission -> /autograder/results/results.json
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
export DLCOURSE_ROOT="$ROOT/source/course" PYTHONPATH="$ROOT/source/course${{PYTHONPATH:+:$PYTHONPATH}}"
exec python3 -m autograder.gradescope run {id} --root "$ROOT"
"""

PACKAGE_FILES = ("pyproject.toml", "constraints.txt", "nbgrader_config.py")
SKIP = {"__pycache__", ".hypothesis", ".pytest_cache", ".ipynb_checkpoints"}


def _add_tree(zf: zipfile.ZipFile, folder: Path, arcname: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not SKIP & set(path.relative_to(folder).parts) and path.suffix != ".pyc":
            zf.write(path, f"{arcname}/{path.relative_to(folder).as_posix()}")


def _script(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o100755 << 16  # executable, as Gradescope runs it
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


def build(assignment: Assignment, out: Path) -> Path:
    """Write the Gradescope autograder zip of ``assignment`` to ``out``; returns ``out``."""
    root = assignment.root
    dependencies = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        _script(zf, "setup.sh", SETUP.format(id=assignment.id))
        _script(zf, "run_autograder", RUN.format(id=assignment.id))
        zf.writestr("requirements.txt", "\n".join(dependencies) + "\n")
        _add_tree(zf, root / "autograder", "course/autograder")
        for name in PACKAGE_FILES:
            if (root / name).is_file():
                zf.write(root / name, f"course/{name}")
        _add_tree(zf, assignment.solution_dir, f"course/solutions/{assignment.id}")
        _add_tree(zf, root / "assignments" / assignment.id, f"course/assignments/{assignment.id}")
    return out


def find_modules(submission: Path, modules: tuple[str, ...]) -> Path | None:
    """The shallowest folder (the submission itself, or up to two levels below) with a graded module."""
    for depth in range(3):
        pattern = "/".join(["*"] * depth + [""]) if depth else ""
        candidates = sorted({p.parent for m in modules for p in submission.glob(pattern + m)},
                            key=lambda p: (len(p.parts), str(p)))
        candidates = [c for c in candidates if not SKIP & set(c.relative_to(submission).parts)]
        if candidates:
            return candidates[0]
    return None


def run(assignment: Assignment, root: Path = ROOT) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``; 0 when a result was written."""
    from . import grade
    from .batch.job import grade_job
    from .batch.store import atomic_write, gradescope
    from .sandbox.files import collect_files

    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    folder = find_modules(root / "submission", assignment.modules)
    if folder is None:
        problem = (f"no graded file found: expected {', '.join(assignment.modules)} in your submission "
                   "(upload the file itself, or a zip or repository with it at the top)")
        report = grade.failed_report(assignment.id, "submission", problem, grade.expected_tests(assignment), kind="")
    else:
        limits = grade.default_limits(assignment)
        result = grade_job({"assignment": assignment.id, "student": "submission", "folder": str(folder),
                            "files": collect_files(folder, limits), "limits": limits.to_dict()})
        if result.get("fault"):
            print(f"grader error, no result written (rerun the autograder): {result['fault']}", file=sys.stderr)
            return 1
        from .results import Report

        report = Report.from_json(result["report"])
    atomic_write(results, json.dumps(gradescope(report), indent=2))
    return 0


def prove(assignment: Assignment) -> int:
    """The preflight in the Gradescope image: 0 when the reference earns full marks."""
    from . import grade

    limits = grade.default_limits(assignment)
    try:
        grade.prove(assignment, grade.InProcessPool(), limits, print, (assignment.id, limits, "gradescope"))
    except grade.PreflightFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    from . import course

    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="grade /autograder/submission (what run_autograder calls)")
    p.add_argument("assignment")
    p.add_argument("--root", default=str(ROOT))
    p = sub.add_parser("prove", help="grade the reference solution (the end of setup.sh)")
    p.add_argument("assignment")
    args = parser.parse_args(argv)
    assignment = course.get(args.assignment)
    if args.command == "run":
        return run(assignment, Path(args.root))
    return prove(assignment)


if __name__ == "__main__":
    sys.exit(main())
