"""Generate the student skeleton ``assignments/<id>/`` from the solution ``solutions/<id>/``.

The solution is the only hand-written source. The skeleton is derived from it:

* ``.py`` files: every region between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
  becomes ``raise NotImplementedError(<hint>)`` at the marker's indentation, where the
  hint is the text after ``hint:`` on the BEGIN line; every region between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` is dropped. Everything else
  (imports, signatures, docstrings) is kept verbatim. nbgrader copies ``.py`` files
  untouched, which is why this part is ours.
* ``.ipynb`` files: nbgrader's own preprocessors clear solutions, hidden tests and outputs.
* everything else is copied, except the ``instructor/`` folder (mutants, measurement
  scripts) and caches.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from .course import Assignment

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
INSTRUCTOR_ONLY = "instructor"
SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints", ".hypothesis", ".pytest_cache", INSTRUCTOR_ONLY}
SKIPPED_SUFFIXES = {".pyc", ".pt", ".pth", ".npz"}

_BEGIN_RE = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION(?:\s+hint:\s*(?P<hint>.*?))?\s*$")


class GeneratorError(ValueError):
    """A malformed marker region in a solution file (names the file and line)."""


def skeleton_python(source: str, filename: str = "<source>") -> str:
    """Return ``source`` with solution regions stubbed and hidden-test regions removed."""
    out: list[str] = []
    region: tuple[str, int] | None = None  # (kind, line number of BEGIN)
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        stripped = line.strip()
        begin = _BEGIN_RE.match(line.rstrip("\n"))
        if begin or stripped == BEGIN_HIDDEN:
            if region:
                raise GeneratorError(f"{filename}:{number}: region opened inside the region begun at line {region[1]}")
            if begin:
                region = ("solution", number)
                hint = begin.group("hint") or ""
                out.append(f"{begin.group('indent')}raise NotImplementedError({hint!r})\n")
            else:
                region = ("hidden", number)
        elif stripped in (END_SOLUTION, END_HIDDEN):
            expected = END_SOLUTION if region and region[0] == "solution" else END_HIDDEN
            if region is None or stripped != expected:
                raise GeneratorError(f"{filename}:{number}: {stripped!r} without a matching BEGIN")
            region = None
        elif region is None:
            out.append(line)
    if region:
        raise GeneratorError(f"{filename}:{region[1]}: region is never closed")
    return "".join(out)


def skeleton_notebook(path: Path) -> str:
    """The student notebook: nbgrader clears solution regions, hidden tests and outputs."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

    nb = nbformat.read(path, as_version=4)
    resources: dict = {}
    for step in (ClearSolutions(), ClearHiddenTests(), ClearOutput()):
        nb, resources = step.preprocess(nb, resources)
    return nbformat.writes(nb) + "\n"


def solution_regions(source: str) -> list[str]:
    """The lines inside solution regions of a ``.py`` or notebook source (used by the leak test)."""
    lines, inside = [], False
    for line in source.splitlines():
        if BEGIN_SOLUTION in line:
            inside = True
        elif END_SOLUTION in line:
            inside = False
        elif inside:
            lines.append(line)
    return lines


TEXT_SUFFIXES = {".py", ".ipynb", ".md", ".txt", ".toml", ".json", ".html", ".cfg"}


def public_lines(source: str) -> list[str]:
    """The lines of a ``.py`` or notebook source outside every ``### BEGIN ...`` / ``### END ...`` region."""
    lines, depth = [], 0
    for line in source.splitlines():
        if "### BEGIN " in line:
            depth += 1
        elif "### END " in line:
            depth = max(depth - 1, 0)
        elif depth == 0:
            lines.append(line)
    return lines


def secret_lines(solutions: Path) -> set[str]:
    """Non-trivial lines (>= 12 characters, not comments) of every solution region under ``solutions``,
    except those the sources also show outside any region (``with torch.no_grad():`` in a public test
    is no leak of the solution that uses it too)."""
    secret, public = set(), set()
    for path in solutions.rglob("*"):
        if path.suffix == ".py":
            text = path.read_text()
        elif path.suffix == ".ipynb":
            text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        else:
            continue
        secret |= {s for s in (line.strip() for line in solution_regions(text)) if len(s) >= 12 and not s.startswith("#")}
        public |= {line.strip() for line in public_lines(text)}
    return secret - public


def leaks(folder: Path, secret: set[str]) -> list[str]:
    """``"file: line"`` for every secret line found in a text file under ``folder``."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            text = path.read_text(errors="replace")
            found += [f"{path}: {line}" for line in sorted(secret) if line in text]
    return found


def source_files(assignment: Assignment) -> list[Path]:
    """Files of the solution folder that reach the skeleton, relative paths, sorted."""
    base = assignment.solution_dir
    return sorted(
        p.relative_to(base)
        for p in base.rglob("*")
        if p.is_file()
        and not SKIPPED_PARTS.intersection(p.relative_to(base).parts)
        and p.suffix not in SKIPPED_SUFFIXES
    )


def render(assignment: Assignment) -> dict[Path, bytes]:
    """The whole skeleton as {relative path: content}, without touching the disk."""
    files: dict[Path, bytes] = {}
    for rel in source_files(assignment):
        src = assignment.solution_dir / rel
        if src.suffix == ".py":
            files[rel] = skeleton_python(src.read_text(), str(src)).encode()
        elif src.suffix == ".ipynb":
            files[rel] = skeleton_notebook(src).encode()
        else:
            files[rel] = src.read_bytes()
    return files


def drift(assignment: Assignment) -> list[str]:
    """Differences between the committed skeleton and the generator output (empty when in sync)."""
    expected = render(assignment)
    base = assignment.skeleton_dir
    on_disk = {
        p.relative_to(base)
        for p in base.rglob("*")
        if p.is_file() and not SKIPPED_PARTS.intersection(p.relative_to(base).parts) and p.suffix not in SKIPPED_SUFFIXES
    } if base.is_dir() else set()
    problems = [f"missing: {rel}" for rel in sorted(set(expected) - on_disk)]
    problems += [f"not generated (stale?): {rel}" for rel in sorted(on_disk - set(expected))]
    problems += [
        f"differs from generator output: {rel}"
        for rel in sorted(on_disk & set(expected))
        if (base / rel).read_bytes() != expected[rel]
    ]
    return problems


def write(assignment: Assignment) -> list[Path]:
    """Regenerate ``assignments/<id>/`` from the solution; stale generated files are removed."""
    files = render(assignment)
    base = assignment.skeleton_dir
    if base.is_dir():
        for p in sorted(base.rglob("*"), reverse=True):
            rel = p.relative_to(base)
            if p.is_file() and rel not in files and not SKIPPED_PARTS.intersection(rel.parts):
                p.unlink()
    for rel, content in files.items():
        target = base / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != content:
            target.write_bytes(content)
    return [base / rel for rel in files]
