"""Every requirement sentence of the spec has a test that fails when only it is violated, proved by a mutant."""
import textwrap

import pytest

from autograder import course, spec_audit
from cases import ASSIGNMENTS, ASSIGNMENT_IDS


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=ASSIGNMENT_IDS)
def test_every_requirement_has_a_test_and_a_mutant(assignment):
    rows = spec_audit.rows(assignment)
    assert len(rows) >= 5, f"{spec_audit.readme(assignment)}: the spec-coverage table has {len(rows)} rows"
    assert spec_audit.problems(assignment) == []


def test_the_audit_names_every_gap_of_a_table(tmp_path):
    home = tmp_path / "solutions" / "z9_toy"
    (home / "tests").mkdir(parents=True)
    (home / "instructor").mkdir()
    (home / "assignment.toml").write_text('title = "Toy"\nmodules = ["toy.py"]\n')
    (home / "tests" / "test_toy.py").write_text("def test_double(submission):\n    pass\n")
    (home / "instructor" / "mutants.py").write_text(textwrap.dedent('''\
        from autograder.mutants import Mutant
        MUTANTS = [Mutant("triple", "3x", "toy.py", "2 * x", "3 * x", ("1",), "double("),
                   Mutant("forgotten", "x", "toy.py", "2 * x", "x", ("1",), "double(")]
        '''))
    (home / "instructor" / "README.md").write_text(textwrap.dedent('''\
        # Toy
        ## Spec coverage
        | Requirement | Where | Test(s) | Mutant(s) |
        |---|---|---|---|
        | returns 2 * x | `double` | `test_double` | `triple` |
        | x may be negative | `double` | `test_double_negative` | `negated` |
        | returns an int | `double` | | |
        | documented only | `double` | | not graded: every test setting gives the same result |
        ## Other notes
        | not | a | row | here |
        '''))
    toy = course.get("z9_toy", root=tmp_path)
    assert [r.requirement for r in spec_audit.rows(toy)] == [
        "returns 2 * x", "x may be negative", "returns an int", "documented only"]
    assert spec_audit.problems(toy) == [
        "'x may be negative': no test function test_double_negative",
        "'x may be negative': no mutant negated",
        "'returns an int': no test named",
        "'returns an int': no mutant named (or 'not graded: <reason>')",
        "mutant forgotten is in no row",
    ]
