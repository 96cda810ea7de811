"""Turn a failing test's exception into one or two plain lines for a student.

Order of precedence: a stub (``NotImplementedError``) -> "not implemented yet"; a module
that does not import -> that problem; an assertion written by the test -> its message;
any other exception from the student's code -> its type, message and line. A hypothesis
counterexample is appended as the smallest failing input.
"""
from __future__ import annotations

import re
import traceback
from pathlib import Path

NOT_IMPLEMENTED = "not implemented yet"
MAX_CHARS = 400


class SubmissionImportError(AttributeError):
    """A graded module could not be imported, or lacks a name the tests need.

    An ``AttributeError`` so that ``hasattr``/``getattr(..., default)`` behave as usual.
    """


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _first_leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def counterexample(exc: BaseException) -> str:
    """Hypothesis's shrunk falsifying example, as ``name=value, ...`` (empty if none)."""
    for note in getattr(exc, "__notes__", []) or []:
        if note.startswith(("Falsifying example", "Failing test case")):
            body = note[note.find("(") + 1 : note.rfind(")")]
            kept = [line.split("  #")[0].split(" # ")[0].strip() for line in body.splitlines()]
            inner = " ".join(line for line in kept if line and not line.startswith("#"))
            inner = re.sub(r"submission=\S+?\([^)]*\),?\s*", "", inner)
            return inner.strip().rstrip(",")
    return ""


def _assertion_text(exc: BaseException) -> str:
    text = str(exc).strip()
    if not text:
        return "a check failed"
    kept = []
    for line in text.splitlines():
        if line.lstrip().startswith(("assert ", "where ", "+", "-", "and ")) and kept:
            break  # pytest's own introspection follows the test's message
        kept.append(line.rstrip())
    return "\n".join(kept[:2])


def _student_location(tb, submission_dir: Path | None) -> str:
    if tb is None or submission_dir is None:
        return ""
    where = ""
    root = submission_dir.resolve()
    for frame in traceback.extract_tb(tb):
        try:
            path = Path(frame.filename).resolve()
        except (OSError, ValueError):
            continue
        if root in path.parents:
            where = f" ({path.name}, line {frame.lineno})"
    return where


def explain(exc: BaseException, tb=None, submission_dir: Path | None = None) -> str:
    """The student-facing explanation of ``exc`` (at most ~MAX_CHARS characters)."""
    example = counterexample(exc)
    exc = _first_leaf(exc)
    example = example or counterexample(exc)
    for link in _chain(exc):
        if isinstance(link, NotImplementedError):
            hint = str(link).strip()
            return f"{NOT_IMPLEMENTED}" + (f": {hint}" if hint else "")
        if isinstance(link, SubmissionImportError):
            return str(link)
    name = type(exc).__name__
    if name == "TestTimeout":
        message = f"stopped after {str(exc).removeprefix('Timeout >')}: the test took too long (an endless loop, or far too slow?)"
    elif isinstance(exc, AssertionError) or name == "Failed":
        message = _assertion_text(exc)
    else:
        text = " ".join(str(exc).split())
        message = f"your code raised {name}" + (f": {text}" if text else "") + _student_location(tb, submission_dir)
    if example:
        message += f"\nsmallest failing input: {example}"
    return message if len(message) <= MAX_CHARS else message[: MAX_CHARS - 3] + "..."
