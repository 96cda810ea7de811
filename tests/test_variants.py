"""Correct code written differently from the reference earns full marks (fairness by construction)."""
import pytest

from autograder import grade, mutants
from cases import ASSIGNMENTS

CASES = [(a, v) for a in ASSIGNMENTS for v in mutants.load_variants(a)]


@pytest.mark.parametrize("assignment, variant", CASES, ids=[f"{a.id}-{v.name}" for a, v in CASES])
def test_correct_variant_earns_full_marks(assignment, variant, tmp_path):
    folder = mutants.apply_variant(assignment, variant, tmp_path / variant.name)
    report = grade.grade_one(assignment, folder)
    assert not report.error, report.error
    lost = [f"{t.id}: {t.message}" for t in report.tests if t.outcome != "passed"]
    assert not lost, f"{variant.idea}: correct code lost points:\n" + "\n".join(lost)


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=[a.id for a in ASSIGNMENTS])
def test_every_assignment_has_four_correct_variants(assignment):
    variants = mutants.load_variants(assignment)
    assert len(variants) >= 4, f"{assignment.id} has {len(variants)} correct variants, the suite needs four"
    assert len({v.name for v in variants}) == len(variants), "variant names repeat"
