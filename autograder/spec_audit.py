"""The spec-coverage table of an assignment: each requirement, the tests and the mutant that prove it.

``solutions/<id>/instructor/README.md`` holds a section ``## Spec coverage`` with a Markdown table
whose header names (at least) a ``Requirement`` column, a ``Test(s)`` column and a ``Mutant(s)``
column. Each row is one requirement sentence of a student function's or class's docstring (or a
graded notebook instruction). The test cell names, in backticks, the test functions that fail when
*only* that requirement is violated; the mutant cell names, in backticks, the mutants in
``instructor/mutants.py`` that violate just it. A requirement that no test setting can tell apart
says so in its mutant cell, starting with ``not graded:`` and the reason.

:func:`problems` checks the table against the tests and mutants that exist; an empty list means
every row is backed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import mutants
from .course import TESTS_DIR, Assignment
from .generate import INSTRUCTOR_ONLY

SECTION = "## Spec coverage"
NOT_GRADED = "not graded:"
_NAME = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)(?:\[[^`]*\])?`")


@dataclass(frozen=True)
class Row:
    requirement: str
    tests: tuple[str, ...]
    mutants: tuple[str, ...]
    not_graded: str           # the reason, when the requirement is not graded


def readme(assignment: Assignment) -> Path:
    return assignment.solution_dir / INSTRUCTOR_ONLY / "README.md"


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def rows(assignment: Assignment) -> list[Row]:
    """The table's rows (empty when the README or its section is missing)."""
    path = readme(assignment)
    if not path.is_file():
        return []
    lines = path.read_text().splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip().lower() == SECTION.lower())
    except StopIteration:
        return []
    table = [line for line in _section(lines[start + 1:]) if line.strip().startswith("|")]
    if len(table) < 2:
        return []
    header = [c.lower() for c in _cells(table[0])]
    col = {key: next((i for i, h in enumerate(header) if h.startswith(key)), None)
           for key in ("requirement", "test", "mutant")}
    if None in col.values():
        raise ValueError(f"{path}: the {SECTION} table needs Requirement, Test(s) and Mutant(s) columns, "
                         f"found {header}")
    out = []
    for line in table[2:]:
        cells = _cells(line) + [""] * len(header)
        mutant_cell = cells[col["mutant"]]
        reason = mutant_cell[mutant_cell.lower().find(NOT_GRADED):] if NOT_GRADED in mutant_cell.lower() else ""
        out.append(Row(cells[col["requirement"]], tuple(_NAME.findall(cells[col["test"]])),
                       tuple(_NAME.findall(mutant_cell.split(NOT_GRADED)[0])), reason))
    return out


def _section(lines: list[str]):
    for line in lines:
        if line.startswith("## "):
            return
        yield line


def test_names(assignment: Assignment) -> set[str]:
    names = set()
    for path in (assignment.solution_dir / TESTS_DIR).glob("test_*.py"):
        names |= set(re.findall(r"^\s*def (test_\w+)\(", path.read_text(), re.MULTILINE))
    return names


def problems(assignment: Assignment) -> list[str]:
    """What the table lacks: rows without a test or mutant, unknown names, mutants in no row."""
    table = rows(assignment)
    if not table:
        return [f"{readme(assignment)} has no {SECTION!r} table"]
    tests, known = test_names(assignment), {m.name for m in mutants.load(assignment)}
    found, used = [], set()
    for row in table:
        what = row.requirement[:60]
        if not row.tests and not row.not_graded:
            found.append(f"{what!r}: no test named")
        if not row.mutants and not row.not_graded:
            found.append(f"{what!r}: no mutant named (or 'not graded: <reason>')")
        found += [f"{what!r}: no test function {t}" for t in row.tests if t not in tests]
        found += [f"{what!r}: no mutant {m}" for m in row.mutants if m not in known]
        used |= set(row.mutants)
    found += [f"mutant {m} is in no row" for m in sorted(known - used)]
    return found
