"""Adding an assignment is adding a folder: nothing in autograder/ names one."""
import os
import subprocess
import sys
import textwrap

TOML = 'title = "Toy"\nmodules = ["toy.py"]\n'
MODULE = textwrap.dedent('''\
    def double(x):
        """Return 2 * x."""
        ### BEGIN SOLUTION hint: multiply by two
        return 2 * x
        ### END SOLUTION
    ''')
TESTS = textwrap.dedent('''\
    import pytest

    pytestmark = pytest.mark.task("1", "double")


    @pytest.mark.points(3)
    def test_double(submission):
        """double(21) is 42."""
        assert submission.double(21) == 42, "double(21) should be 42"


    ### BEGIN HIDDEN TESTS
    @pytest.mark.hidden
    @pytest.mark.points(1)
    def test_double_negative(submission):
        """double(-1) is -2."""
        assert submission.double(-1) == -2
    ### END HIDDEN TESTS
    ''')


def run(root, *args, cwd=None):
    env = {**os.environ, "DLCOURSE_ROOT": str(root)}
    return subprocess.run([sys.executable, "-m", "autograder", *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_a_new_folder_is_a_new_gradable_assignment(tmp_path):
    source = tmp_path / "solutions" / "z9_toy"
    (source / "tests").mkdir(parents=True)
    (source / "assignment.toml").write_text(TOML)
    (source / "toy.py").write_text(MODULE)
    (source / "tests" / "test_double.py").write_text(TESTS)

    assert "z9_toy" in run(tmp_path, "list").stdout
    assert run(tmp_path, "generate", "z9_toy").returncode == 0
    skeleton = (tmp_path / "assignments" / "z9_toy" / "toy.py").read_text()
    assert "raise NotImplementedError('multiply by two')" in skeleton and "return 2 * x" not in skeleton
    assert "hidden" not in (tmp_path / "assignments" / "z9_toy" / "tests" / "test_double.py").read_text()

    full = run(tmp_path, "check", "z9_toy", "--submission", str(source))
    assert full.returncode == 0 and "4 / 4" in full.stdout, full.stdout + full.stderr
    empty = run(tmp_path, "check", "z9_toy")
    assert empty.returncode == 1 and "not implemented yet: multiply by two" in empty.stdout


def test_a_student_with_only_the_release_folder_can_check(tmp_path):
    """Outside the course repository, `check <id> --submission .` uses the folder's public tests."""
    from autograder import course, release

    a3 = course.get("a3_positional_encoding")
    released = release.build(a3, tmp_path / "course")
    student = tmp_path / "home" / a3.id
    import shutil

    shutil.copytree(released, student)
    empty_course = tmp_path / "elsewhere"
    empty_course.mkdir()
    proc = run(empty_course, "check", a3.id, "--submission", ".", cwd=student)
    assert proc.returncode == 1 and "not implemented yet" in proc.stdout, proc.stdout + proc.stderr
    assert "public tests only" in proc.stdout
