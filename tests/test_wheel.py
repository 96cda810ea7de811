"""The course package as a student installs it: built as a wheel, installed into a fresh virtual
environment, used in a released assignment folder that is named otherwise (a GitHub Classroom
clone, an LMS download).

The fresh environment reuses this suite's heavy dependencies (torch, nbgrader, ...): its
site-packages holds a ``.pth`` line naming the suite's site-packages, and the wheel is installed
into it with ``--no-deps``, so its own copy of ``autograder`` comes first (each step checks
``autograder.__file__``). Nothing is downloaded.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from autograder import course, release
from autograder.course import course_root

A3 = "a3_positional_encoding"
# `grade` grades the reference solution first (its preflight); a student install has none,
# so grading there needs --no-preflight: the one place that says so.
GRADE_OPTIONS: list[str] = ["--no-preflight"]


def run(args, *, cwd, env=None, timeout=600):
    """Run a command as a student would: no PYTHONPATH (it would import another autograder)."""
    base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**base, "MPLBACKEND": "Agg", **(env or {})})


def build_wheel(dest: Path, scratch: Path) -> Path:
    """``pip wheel`` of a clean copy of the project (the build writes nothing into the repository)."""
    src = scratch / "src"
    root = course_root()
    shutil.copytree(root / "autograder", src / "autograder", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, src / name)
    proc = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                "-w", str(dest), str(src)], cwd=scratch)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = dest.glob("dlcourse_autograder-*.whl")
    return wheel


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """(python of the fresh environment, the released a3 folder renamed to ``my-a3``)."""
    base = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(base / "dist", base)
    env = base / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    python = env / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                    cwd=base).stdout.strip())
    (site / "suite-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    proc = run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                str(wheel)], cwd=base)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    where = run([str(python), "-c", "import autograder; print(autograder.__file__)"], cwd=base).stdout.strip()
    assert where.startswith(str(env)), f"the fresh environment imports autograder from {where}"

    released = release.build(course.get(A3), base / "course")
    folder = base / "home" / "my-a3"
    shutil.copytree(released, folder)
    return python, folder


def sandbox_sees_dependencies(python: Path, cwd: Path) -> bool:
    """Whether the sandbox of this checkout shows its children the folder the ``.pth`` line names."""
    probe = textwrap.dedent(f"""\
        import os
        from autograder.sandbox import jail
        target = os.path.realpath({sysconfig.get_path("purelib")!r})
        print(any(target == p or target.startswith(p.rstrip(os.sep) + os.sep) for p in map(os.path.realpath, jail.python_paths())))
        """)
    proc = run([str(python), "-c", probe], cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip() == "True"


def needs_sandbox_visibility(python: Path, cwd: Path) -> None:
    assert sandbox_sees_dependencies(python, cwd), \
        "the sandbox must show its children a dependency folder named in a .pth file (jail.library_paths)"


def autograder_cli(python: Path, *args, cwd: Path):
    return run([str(python), "-m", "autograder", *args], cwd=cwd)


def test_wheel_ships_every_package(student):
    python, folder = student
    proc = run([str(python), "-c", textwrap.dedent("""\
        import importlib, pkgutil, autograder
        names = [m.name for m in pkgutil.walk_packages(autograder.__path__, "autograder.")]
        for name in ("autograder.sandbox.judge", "autograder.batch.job", "autograder.data.registry"):
            assert name in names, name
            importlib.import_module(name)
        print(autograder.__file__)
        """)], cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert str(python.parents[1]) in proc.stdout


def test_check_in_a_renamed_folder_needs_no_id(student):
    python, folder = student
    proc = autograder_cli(python, "check", cwd=folder)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"{A3}: {folder}" in proc.stdout, proc.stdout
    assert "not implemented yet" in proc.stdout and "public tests only" in proc.stdout
    assert "Task 2" in proc.stderr, "progress lines go to stderr as tasks finish"
    assert "0 / 12" in proc.stdout  # public points, no hidden tests in a student's folder
    listing = autograder_cli(python, "list", cwd=folder)
    assert listing.returncode == 0 and A3 in listing.stdout and "12 points" in listing.stdout, listing.stdout


def test_instructor_commands_say_they_need_the_course_repository(student):
    python, folder = student
    for command in ("generate", "release", "demo"):
        proc = autograder_cli(python, command, cwd=folder)
        assert proc.returncode == 2 and "needs the course repository" in proc.stderr, (command, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_report_notebook_grade_cells_run_with_nbclient(student):
    python, folder = student
    needs_sandbox_visibility(python, folder)
    script = textwrap.dedent("""\
        import json, sys
        import nbclient, nbformat
        nb = nbformat.read("report.ipynb", as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "code"
                 and c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")]
        probe = nbformat.v4.new_code_cell("import autograder; print(autograder.__file__)")
        nb.cells = [probe, *cells]
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3").execute()
        json.dump([c.outputs for c in nb.cells], sys.stdout)
        """)
    proc = run([str(python), "-c", script], cwd=folder, env={"MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    probe, *cells = json.loads(proc.stdout)
    assert str(python.parents[1]) in probe[0]["text"], probe
    assert cells, "the released report has autograded test cells"
    for outputs in cells:
        kinds = [(o["output_type"], o.get("name")) for o in outputs]
        assert ("stream", "stderr") not in kinds and "error" not in [k for k, _ in kinds], outputs
        printed = "".join(o["text"] for o in outputs if o["output_type"] == "stream")
        result = [o for o in outputs if o["output_type"] == "execute_result"]
        assert printed.startswith("Task ") and " 0 / " in printed and "not implemented yet" in printed, printed
        assert len(result) == 1 and float(result[0]["data"]["text/plain"]) == 0, outputs


def test_grade_two_submissions_in_the_renamed_folder(student, tmp_path):
    python, folder = student
    needs_sandbox_visibility(python, folder)
    a3 = course.get(A3)
    subs = tmp_path / "subs"
    shutil.copytree(folder, subs / "alice", ignore=shutil.ignore_patterns("tests"))
    for module in a3.modules:
        shutil.copy(a3.solution_dir / module, subs / "alice" / module)
    shutil.copytree(folder, subs / "bob", ignore=shutil.ignore_patterns("tests"))
    out = tmp_path / "out"
    proc = autograder_cli(python, "grade", A3, str(subs), "--out", str(out), "--workers", "1", *GRADE_OPTIONS,
                          cwd=folder)
    assert proc.returncode == 0 and "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").open())}
    assert rows["alice"]["total"] == "12" and rows["alice"]["max"] == "12", rows["alice"]
    assert rows["bob"]["total"] == "0" and not rows["bob"]["error"], rows["bob"]
    assert "not implemented yet" in (out / "bob" / "feedback.md").read_text()  # the zero's reason
