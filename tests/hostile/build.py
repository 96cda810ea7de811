"""Hostile and honest a3 submissions, built from the reference solution at test time.

Each file in ``submissions/`` is one hostile submission trying one thing. It is appended to the
reference ``positional_encoding.py`` (so later definitions replace honest ones), and declares,
as plain literals read without running it:

    EXPECT    {task: points} where it differs from full marks (tasks 2, 3 and bonus 4)
    FEEDBACK  substrings the feedback must contain (failed tests' messages or the report's error)
    TWIN      True: lines marked ``# HOSTILE`` are the only dishonest part; the rest (the "honest
              twin") graded in process must get exactly the same per-test results
    MODE      "missing": the folder has no positional_encoding.py at all

Placeholders such as ``__COURSE_ROOT__`` or ``__PORT__`` are filled in by :func:`build`.
"""
from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from autograder import course, mutants

HERE = Path(__file__).parent
SUBMISSIONS = HERE / "submissions"
A3 = course.get("a3_positional_encoding")
MODULE = "positional_encoding.py"
FULL = {"2": 12.0, "3": 6.0, "4": 4.0}


@dataclass
class Case:
    name: str
    doc: str
    source: str
    expect: dict = field(default_factory=dict)
    feedback: list = field(default_factory=list)
    twin: bool = False
    mode: str = "append"

    def points(self, task: str) -> float:
        return float(self.expect.get(task, FULL[task]))


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(SUBMISSIONS.glob("*.py")):
        source = path.read_text()
        tree = ast.parse(source.replace("def broken(:", "def broken():"))  # syntax_error.py parses here
        meta = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                if node.targets[0].id in ("EXPECT", "FEEDBACK", "TWIN", "MODE"):
                    meta[node.targets[0].id.lower()] = ast.literal_eval(node.value)
        cases.append(Case(path.stem, (ast.get_docstring(tree) or "").splitlines()[0], source, **meta))
    return cases


def needles(names) -> str:
    """A Python literal of ``(hex of first half, hex of second half)`` per name (see ``memory_scan.py``)."""
    pairs = []
    for name in names:
        raw = name.encode()
        half = len(raw) // 2
        pairs.append((raw[:half].hex(), raw[half:].hex()))
    return repr(pairs)


def reference() -> str:
    return (A3.solution_dir / MODULE).read_text()


def fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def build(case: Case, dest: Path, values: dict[str, str]) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    if case.mode == "missing":
        (dest / "notes.txt").write_text("I could not get it to work, sorry.\n")
        return dest
    (dest / MODULE).write_text(reference() + "\n\n# ---- hostile part ----\n" + fill(case.source, values))
    return dest


def build_twin(case: Case, dest: Path) -> Path:
    """The submission without its ``# HOSTILE`` lines: what its honest work is worth."""
    honest = "\n".join(line for line in case.source.splitlines() if not line.rstrip().endswith("# HOSTILE"))
    dest.mkdir(parents=True, exist_ok=True)
    (dest / MODULE).write_text(reference() + "\n\n# ---- honest twin ----\n" + honest + "\n")
    return dest


def _stub(text: str, function: str) -> str:
    head, _, body = text.partition(f"def {function}(")
    body = body.replace("    ### BEGIN SOLUTION", "    raise NotImplementedError('work in progress')\n    ### BEGIN SOLUTION", 1)
    return head + f"def {function}(" + body


def honest_variants(n: int = 30) -> dict[str, str]:
    """``n`` honest submissions: each function either right, a stub, or one classic mistake."""
    by_name = {m.name: m for m in mutants.load(A3)}
    options = {
        "positional_encoding": ["ref", "stub", "row_index_exponent", "sin_cos_swapped", "python_double_loop"],
        "attention_scores": ["ref", "stub", "add_without_mixed_terms", "concat_along_tokens"],
        "mean_abs_cosine": ["ref", "stub", "cosine_without_abs"],
    }
    combos = list(itertools.product(*options.values()))[::2][:n]
    out = {}
    for i, combo in enumerate(combos):
        text = reference()
        for function, choice in zip(options, combo):
            if choice == "stub":
                text = _stub(text, function)
            elif choice != "ref":
                text = text.replace(by_name[choice].old, by_name[choice].new)
        out[f"honest_{i:02d}_" + "-".join(combo)] = text
    return out
