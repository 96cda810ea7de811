"""The one-source pipeline: solutions/ -> assignments/ (skeletons) never leaks solution text."""
import subprocess
import sys
import textwrap

import pytest

from autograder import generate
from autograder.course import course_root
from cases import ASSIGNMENTS, ASSIGNMENT_IDS

SOURCE = textwrap.dedent('''\
    import math


    def f(x):
        """Docstring stays."""
        ### BEGIN SOLUTION hint: use math.sqrt
        y = math.sqrt(x)
        return y
        ### END SOLUTION


    ### BEGIN HIDDEN TESTS
    def test_secret():
        assert f(4) == 2
    ### END HIDDEN TESTS
    ''')


def test_solution_region_becomes_stub_with_hint():
    out = generate.skeleton_python(SOURCE)
    assert '    raise NotImplementedError(\'use math.sqrt\')\n' in out
    assert "math.sqrt(x)" not in out and "return y" not in out
    assert '"""Docstring stays."""' in out and "import math" in out and "def f(x):" in out


def test_hidden_tests_vanish():
    out = generate.skeleton_python(SOURCE)
    assert "test_secret" not in out and "HIDDEN" not in out


def test_region_without_hint_gets_bare_stub():
    out = generate.skeleton_python("def g():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n")
    assert out == "def g():\n    raise NotImplementedError('')\n"


@pytest.mark.parametrize("bad, problem", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("### END SOLUTION\n", "without a matching BEGIN"),
    ("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n", "inside the region"),
    ("### BEGIN HIDDEN TESTS\n### END SOLUTION\n", "without a matching BEGIN"),
])
def test_malformed_regions_name_the_line(bad, problem):
    with pytest.raises(generate.GeneratorError, match=problem):
        generate.skeleton_python(bad, "m.py")


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=ASSIGNMENT_IDS)
def test_committed_skeleton_matches_generator(assignment):
    problems = generate.drift(assignment)
    assert not problems, "assignments/ is out of date; run `python -m autograder generate`:\n" + "\n".join(problems)


def test_no_solution_line_reaches_students():
    """No non-trivial line of a solution region appears anywhere under assignments/ or release/."""
    secret = generate.secret_lines(course_root() / "solutions")
    assert secret, "found no solution regions: the scan is broken"
    found = generate.leaks(course_root() / "assignments", secret) + generate.leaks(course_root() / "release", secret)
    assert not found, "solution text reached students:\n" + "\n".join(found[:20])


def test_leak_scan_finds_a_planted_line(tmp_path):
    secret = generate.secret_lines(course_root() / "solutions")
    planted = sorted(secret)[0]
    (tmp_path / "student.py").write_text(f"x = 1\n{planted}\n")
    assert generate.leaks(tmp_path, secret) == [f"{tmp_path / 'student.py'}: {planted}"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=ASSIGNMENT_IDS)
def test_skeleton_modules_import_cleanly(assignment):
    names = [m.removesuffix(".py") for m in assignment.modules]
    code = "import importlib, sys; [importlib.import_module(n) for n in sys.argv[1:]]"
    proc = subprocess.run([sys.executable, "-c", code, *names], cwd=assignment.skeleton_dir,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=ASSIGNMENT_IDS)
def test_hidden_marker_matches_hidden_regions(assignment):
    """A test is marked hidden exactly when it is missing from the public suite."""
    from autograder.grade import expected_tests

    full = {t.id.split("::", 1)[1]: t.hidden for t in expected_tests(assignment)}
    public_dir = assignment.skeleton_dir / "tests"
    public = set()
    for path in public_dir.glob("test_*.py"):
        text = path.read_text()
        public |= {name for name in full if f"def {name.split('[')[0]}(" in text}
    wrong = [name for name, hidden in full.items() if hidden == (name in public)]
    assert not wrong, f"hidden marker and HIDDEN TESTS region disagree for: {wrong}"
