"""Plain-data grading results: one record per test, tallied per task.

Everything here is JSON-serialisable on purpose: results cross process boundaries as
JSON and are never unpickled.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

PASSED = "passed"

# Report.error_kind: why a report holds no grade. A report of either kind is never saved as a
# grade (no report.json), so a rerun retries it, and it counts as "not graded" in the exit status.
INPUT_ERROR = "input"    # the student's input could not be used (unreadable zip, no graded file)
GRADER_ERROR = "grader"  # the grader itself failed (a process of ours died, a path not visible)


@dataclass
class TestResult:
    id: str             # pytest node id
    title: str          # first docstring line, shown to students
    task: str           # task key, e.g. "2"
    task_title: str
    points: float
    hidden: bool
    bonus: bool
    outcome: str        # passed | failed | error | skipped | not run
    message: str = ""   # one or two plain lines for the student
    detail: str = ""    # full traceback, shown only with -v

    @property
    def earned(self) -> float:
        return self.points if self.outcome == PASSED else 0.0


@dataclass
class TaskResult:
    key: str
    title: str
    earned: float
    possible: float
    bonus: bool
    tests: list[TestResult] = field(default_factory=list)


@dataclass
class Report:
    assignment: str
    submission: str
    tests: list[TestResult]
    hidden_included: bool = True
    error: str = ""  # a problem with the whole run (e.g. the suite could not start)
    error_kind: str = ""  # "" when graded, else INPUT_ERROR or GRADER_ERROR (see above)
    group: str = ""  # the group's submission this grade was copied from ("" for one's own hand-in)
    late: dict = field(default_factory=dict)  # deadlines.Lateness as a dict; {} when no due date applied

    @property
    def graded(self) -> bool:
        return not self.error_kind

    def tasks(self) -> list[TaskResult]:
        by_key: dict[str, TaskResult] = {}
        for t in self.tests:
            task = by_key.setdefault(t.task, TaskResult(t.task, t.task_title, 0.0, 0.0, t.bonus))
            task.earned += t.earned
            task.possible += t.points
            task.tests.append(t)
        return sorted(by_key.values(), key=lambda t: natural_key(t.key))

    @property
    def earned(self) -> float:
        return sum(t.earned for t in self.tests)

    @property
    def bonus_earned(self) -> float:
        return sum(t.earned for t in self.tests if t.bonus)

    @property
    def base_earned(self) -> float:
        """Points earned without the bonus tasks' (out of :attr:`possible`)."""
        return self.earned - self.bonus_earned

    @property
    def bonus_possible(self) -> float:
        return sum(t.points for t in self.tests if t.bonus)

    @property
    def possible(self) -> float:
        """Maximum without bonus points (bonus can lift the total above it)."""
        return sum(t.points for t in self.tests if not t.bonus)

    @property
    def late_deducted(self) -> float:
        """Points taken off for lateness: the policy's fraction of all points earned (bonus included)."""
        return round(self.earned * float(self.late.get("fraction", 0.0)), 3)

    @property
    def final(self) -> float:
        """Points after the late deduction, bonus included: what goes to the gradebook of record."""
        return round(self.earned - self.late_deducted, 3)

    @property
    def full_marks(self) -> bool:
        return not self.error and all(t.outcome == PASSED for t in self.tests)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "Report":
        data = json.loads(text)
        data["tests"] = [TestResult(**t) for t in data["tests"]]
        return cls(**data)

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(self.to_json())
        tmp.replace(path)


def natural_key(key: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in key.replace("(", ".").replace(")", "").split("."))
