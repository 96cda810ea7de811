"""Turn a failing test's exception into a few plain lines for a student.

Order of precedence: a stub (``NotImplementedError``) -> "not implemented yet"; a module
that does not import -> that problem; an assertion written by the test -> its message;
any other exception from the student's code -> its type, message and line. A hypothesis
counterexample is appended as the smallest failing input.

A message has three parts, in this order: the evidence (what differs), the diagnosis (a line
``likely cause: ...``, present only when the test checked it) and the smallest failing input.
When the whole is longer than :data:`MAX_CHARS`, the evidence and the input are shortened; the
diagnosis is never cut (it is what the student acts on).
"""
from __future__ import annotations

import re
import traceback
from pathlib import Path

NOT_IMPLEMENTED = "not implemented yet"
MAX_CHARS = 400
CAUSE_PREFIX = "likely cause:"
MAX_CAUSE_CHARS = 300  # a diagnosis longer than this is a test's bug; it is still kept whole up to here


class SubmissionImportError(AttributeError):
    """A graded module could not be imported, or lacks a name the tests need.

    An ``AttributeError`` so that ``hasattr``/``getattr(..., default)`` behave as usual.
    """


def chain(exc: BaseException):
    """``exc`` and the exceptions it was raised from or during, newest first (each once)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def first_leaf(exc: BaseException) -> BaseException:
    """The first exception inside (nested) exception groups, or ``exc`` itself."""
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


def _assertion_text(exc: BaseException) -> tuple[str, str]:
    """``(evidence, cause)`` of a test's assertion: its first two lines, and its ``likely cause`` line."""
    text = str(exc).strip()
    if not text:
        return "a check failed", ""
    kept, cause = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith(("assert ", "where ", "+", "-", "and ")) and kept:
            break  # pytest's own introspection follows the test's message
        if line.strip().startswith(CAUSE_PREFIX) and not cause:
            cause = line.strip()
        else:
            kept.append(line.rstrip())
    return "\n".join(kept[:2]) or "a check failed", cause


def _shorten(text: str, room: int) -> str:
    if len(text) <= room:
        return text
    return text[: max(room - 3, 0)].rstrip() + "..."


def compose(evidence: str, cause: str = "", example: str = "") -> str:
    """One message of at most ~:data:`MAX_CHARS`: evidence, then the cause (never cut), then the input."""
    cause = _shorten(cause, MAX_CAUSE_CHARS)
    example = f"smallest failing input: {example}" if example else ""
    room = MAX_CHARS - len(cause) - (1 if cause else 0)
    if example:
        example = _shorten(example, max(room // 3, 60))
        room -= len(example) + 1
    parts = [_shorten(evidence, max(room, 40)), cause, example]
    return "\n".join(p for p in parts if p)


def _shapes(frame) -> str:
    """``x of shape (8, 3, 64, 64), k = 3``: the function's tensor and number arguments (at most three)."""
    code = frame.f_code
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    parts = []
    for name in names:
        value = frame.f_locals.get(name)
        kind = type(value)
        if kind.__name__ in ("Tensor", "ndarray", "Parameter") and kind.__module__.split(".")[0] in ("torch", "numpy"):
            parts.append(f"{name} of shape {tuple(int(n) for n in value.shape)}")
        elif kind in (int, bool) or (kind is float and name != "self"):
            parts.append(f"{name} = {value!r}")
        if len(parts) == 3:
            break
    return ", ".join(parts)


def student_location(tb, root: Path | str | None) -> str:
    """Where in the student's files an exception was raised: ``file.py, line 42, in forward, with x of
    shape (8, 3, 64, 64)`` (the innermost frame under ``root``), or "" when none is there.

    Only plain tensors, arrays and numbers are described, by type checks that run no student code."""
    if tb is None or root is None:
        return ""
    try:
        base = Path(root).resolve()
    except (OSError, ValueError):
        return ""
    found = None
    while tb is not None:
        try:
            path = Path(tb.tb_frame.f_code.co_filename).resolve()
        except (OSError, ValueError):
            path = None
        if path is not None and base in path.parents:
            found = (path.name, tb.tb_lineno, tb.tb_frame)
        tb = tb.tb_next
    if found is None:
        return ""
    name, line, frame = found
    where = f"{name}, line {line}"
    function = frame.f_code.co_name
    if not function.startswith("<"):
        where += f", in {function}"
        try:
            shapes = _shapes(frame)
        except Exception:  # noqa: BLE001 - a description, never a second failure
            shapes = ""
        if shapes:
            where += f", with {shapes}"
    return where


def _student_location(tb, submission_dir: Path | None) -> str:
    where = student_location(tb, submission_dir)
    return f" ({where})" if where else ""


def explain(exc: BaseException, tb=None, submission_dir: Path | None = None) -> str:
    """The student-facing explanation of ``exc`` (at most ~MAX_CHARS characters)."""
    example = counterexample(exc)
    exc = first_leaf(exc)
    example = example or counterexample(exc)
    for link in chain(exc):
        if isinstance(link, NotImplementedError):
            hint = str(link).strip()
            return f"{NOT_IMPLEMENTED}" + (f": {hint}" if hint else "")
        if isinstance(link, SubmissionImportError):
            return str(link)
    name = type(exc).__name__
    cause = ""
    if name == "TestTimeout":
        message = f"stopped after {str(exc).removeprefix('Timeout >')}: the test took too long (an endless loop, or far too slow?)"
    elif isinstance(exc, AssertionError) or name == "Failed":
        message, cause = _assertion_text(exc)
    else:
        text = " ".join(str(exc).split())
        where = _student_location(tb, submission_dir)
        message = f"your code raised {name}" + (f": {_shorten(text, 250)}" if text else "") + where
    return compose(message, cause, example)
