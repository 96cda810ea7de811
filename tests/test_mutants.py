"""Each classic mistake loses points exactly in its task, with feedback that names it."""
import pytest

from autograder import grade, mutants
from cases import ASSIGNMENTS

CASES = [(a, m) for a in ASSIGNMENTS for m in mutants.load(a)]


@pytest.mark.parametrize("assignment, mutant", CASES, ids=[f"{a.id}-{m.name}" for a, m in CASES])
def test_mutant_loses_points_in_its_task_only(assignment, mutant, tmp_path):
    folder = mutants.apply(assignment, mutant, tmp_path / mutant.name)
    report = grade.grade_one(assignment, folder)
    by_task = {t.key: t for t in report.tasks()}
    assert not report.error, report.error
    for key, task in by_task.items():
        if key in mutant.loses:
            assert task.earned < task.possible, f"{mutant.mistake}: task {key} kept all its points"
            messages = " | ".join(t.message for t in task.tests if t.outcome != "passed")
            assert mutant.feedback in messages, f"feedback should mention {mutant.feedback!r}, got: {messages}"
            if mutant.cause:
                causes = [line for t in task.tests if t.outcome != "passed" for line in t.message.splitlines()
                          if line.startswith("likely cause:")]
                assert any(mutant.cause in line for line in causes), (
                    f"{mutant.mistake}: the diagnosis should name {mutant.cause!r}, got: {causes or messages}")
        else:
            lost = [f"{t.id}: {t.message}" for t in task.tests if t.outcome != "passed"]
            assert not lost, f"{mutant.mistake}: task {key} should keep its points:\n" + "\n".join(lost)
    for name in mutant.keeps_tests:
        kept = [t for t in report.tests if t.id.split("::")[-1].split("[")[0] == name]
        assert kept and all(t.outcome == "passed" for t in kept), f"{name} should still pass for {mutant.name}"


def test_every_assignment_has_mutants():
    assert all(mutants.load(a) for a in ASSIGNMENTS)
# appended to tests/test_mutants.py at merge


def test_every_mutant_names_its_diagnosis():
    unnamed = [f"{a.id}:{m.name}" for a in ASSIGNMENTS for m in mutants.load(a) if not m.cause]
    assert not unnamed, f"mutants without the diagnosis their feedback must show (cause=...): {unnamed}"
