"""The student release, built by real nbgrader: notebook, skeleton modules, public tests, nothing secret."""
import nbformat
import pytest

from autograder import generate, release
from autograder.course import course_root
from cases import ASSIGNMENTS


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    return {a.id: release.build(a, root) for a in ASSIGNMENTS}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=[a.id for a in ASSIGNMENTS])
def test_release_holds_notebook_modules_and_public_tests(built, assignment):
    folder = built[assignment.id]
    for module in assignment.modules:
        assert (folder / module).read_bytes() == (assignment.skeleton_dir / module).read_bytes()
    public = sorted(p.name for p in (assignment.skeleton_dir / "tests").glob("test_*.py"))
    assert public and sorted(p.name for p in (folder / "tests").glob("test_*.py")) == public
    assert not (folder / "instructor").exists()
    if assignment.notebook:
        nb = nbformat.read(folder / assignment.notebook, as_version=4)
        assert any("YOUR ANSWER HERE" in c.source for c in nb.cells)


def test_release_leaks_no_solution_and_no_hidden_test(built):
    secret = generate.secret_lines(course_root() / "solutions")
    for folder in built.values():
        assert not generate.leaks(folder, secret)
        for path in folder.rglob("*.py"):
            text = path.read_text()
            assert "HIDDEN" not in text and "pytest.mark.hidden" not in text, path
