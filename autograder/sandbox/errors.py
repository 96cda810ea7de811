"""What the grader raises in a test when student code broke a limit or its process.

:class:`SandboxError` derives from ``BaseException`` on purpose: test code's ``except Exception``
does not swallow it and hypothesis does not shrink or replay it (each replay would wait out
the limit again). Its message is the one line the student reads.

Exceptions raised *by student code* come back as the same built-in class (``ValueError`` stays
``ValueError``, so ``pytest.raises`` and ``expect.raises`` work unchanged), or as a
:class:`RemoteError` subclass named like the student's class that also derives from the built-in
exceptions the student's class derives from (``class EncodingError(ValueError)`` is still caught
by ``except ValueError``). They carry
``remote_where`` ("file.py, line N") and ``remote_limit`` ("memory", "file", "processes").
"""
from __future__ import annotations

import builtins
import os
import signal

from ..explain import SubmissionImportError
from .values import check_name


class SandboxError(BaseException):
    """Student code broke a limit or the process running it (message: for the student)."""

    whole_submission = False  # True: every later test is affected too (shown as the report's error)


class TimeLimit(SandboxError):
    pass


class SubmissionTimeLimit(SandboxError):
    whole_submission = True


class ProcessDied(SandboxError):
    pass


class BadReply(SandboxError):
    pass


class ImportFailed(SandboxError):
    whole_submission = True


class GaveUp(SandboxError):
    whole_submission = True


class SetupFailed(SandboxError):
    """The sandbox itself could not start (a grader problem, not the student's)."""

    whole_submission = True


class Interrupted(SandboxError):
    """A fault of the grader's own processes stopped this submission's grading (see :class:`GraderFault`)."""

    whole_submission = True


class GraderFault(RuntimeError):
    """The grader's own processes failed while grading a submission (the fork server or a sandbox's
    supervisor died, a sandbox could not be started). ``judge.grade`` raises it instead of returning
    a report: no student is ever graded or blamed for it, and the batch grades the submission again."""


class StaleObject(SandboxError):
    pass


class ModuleBroken(SandboxError):
    """A graded module did not import: every test that needs it fails the same way, at once
    (as a ``BaseException`` hypothesis does not shrink a failure that no input can change)."""


class RemoteError(Exception):
    """An exception of a class that is not a Python built-in, raised by student code."""


_remote_classes: dict[tuple, type] = {}
_SIGNAL_HINTS = {
    signal.SIGSEGV: "a segmentation fault",
    signal.SIGBUS: "a bus error",
    signal.SIGABRT: "an abort",
    signal.SIGFPE: "an arithmetic fault",
    signal.SIGILL: "an illegal instruction",
}


def describe_status(status: int | None, limits) -> str:
    """Why a child ended, from its raw wait status, in student words."""
    if status is None:
        return "the process running your code disappeared"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        if sig == signal.SIGXCPU:
            return f"your code used more than {limits.cpu_s} s of CPU time and was stopped (signal {sig}, {name})"
        if sig == signal.SIGXFSZ:
            return f"your code wrote a file larger than the {limits.file_mb} MB limit and was stopped (signal {sig}, {name})"
        if sig == signal.SIGKILL:
            return (f"the process running your code was killed (signal {sig}, {name}): "
                    f"the memory limit ({limits.memory_mb} MB) or CPU limit, or your code killed itself")
        what = _SIGNAL_HINTS.get(sig, "")
        return f"your code crashed the process running it with signal {sig} ({name}{', ' + what if what else ''})"
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        return (f"your code ended the process running it (exit code {code}): "
                "os._exit(), or a crash in compiled code")
    return f"the process running your code stopped (status {status})"


def remote_exception(node: dict, limits) -> BaseException:
    """Rebuild a student exception from its plain-data description (never unpickled)."""
    if type(node) is not dict:
        node = {}
    full = check_name(node.get("type"))
    module, _, qual = full.rpartition(".")
    message = node.get("message") if type(node.get("message")) is str else ""
    args = node.get("args")
    exc: BaseException | None = None
    if full == "autograder.explain.SubmissionImportError":
        exc = SubmissionImportError(message)
    elif node.get("builtin") is True and module == "builtins":
        cls = getattr(builtins, qual, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            filename = node.get("filename")
            if issubclass(cls, OSError) and type(args) is list and len(args) == 2 and type(filename) is str:
                args = [*args, filename]
            try:
                exc = cls(*args) if type(args) is list else cls(message)
            except Exception:  # noqa: BLE001 - e.g. UnicodeDecodeError's five arguments
                exc = None
    if exc is None:
        bases = _builtin_bases(node.get("bases"))
        cls = _remote_classes.get((full, bases))
        if cls is None:
            cls = _remote_class(qual.rpartition(".")[2] or "RemoteError", module, qual, bases)
            if len(_remote_classes) < 1000:
                _remote_classes[(full, bases)] = cls
        try:
            exc = cls(message) if message else cls()
        except Exception:  # noqa: BLE001 - a built-in base with a required signature (UnicodeDecodeError)
            exc = _remote_class(cls.__name__, module, qual, ())(message)
    exc.remote_type = full
    where = node.get("where")
    exc.remote_where = where if type(where) is str else ""
    limit = node.get("limit")
    exc.remote_limit = limit if limit in ("memory", "file", "processes", "access", "network") else ""
    hint = node.get("not_implemented")
    if type(hint) is str and not isinstance(exc, NotImplementedError):
        exc.__cause__ = NotImplementedError(hint)
    return exc


def _builtin_bases(names) -> tuple[type, ...]:
    """The built-in ``Exception`` subclasses named in ``names`` (never ``SystemExit``,
    ``KeyboardInterrupt`` or ``GeneratorExit``: those would stop the grader's own test run)."""
    if type(names) is not list:
        return ()
    out = []
    for name in names[:4]:
        cls = getattr(builtins, name, None) if type(name) is str else None
        if isinstance(cls, type) and issubclass(cls, Exception) and cls is not Exception and cls not in out:
            out.append(cls)
    return tuple(out)


def _remote_class(name: str, module: str, qual: str, bases: tuple[type, ...]) -> type:
    """A local class named like the student's, a :class:`RemoteError` and a subclass of the same
    built-in exceptions (so ``pytest.raises(ValueError)`` catches a student's ``EncodingError(ValueError)``
    as it does in process). Bases whose layouts clash fall back to the first one alone."""
    attrs = {"__module__": module, "__qualname__": qual}
    for tried in (bases, bases[:1], ()):
        try:
            return type(name, (RemoteError, *tried), attrs)
        except TypeError:
            continue
    return type(name, (RemoteError,), attrs)


def limit_hint(exc: BaseException, limits) -> str:
    kind = getattr(exc, "remote_limit", "")
    if kind == "memory":
        return f"over the memory limit of {limits.memory_mb} MB"
    if kind == "file":
        return f"over the file size limit of {limits.file_mb} MB, or the {limits.scratch_mb} MB scratch space"
    if kind == "processes":
        return f"over the limit of {limits.processes} processes"
    if kind == "access":
        return "files outside your submission folder are not accessible while grading"
    if kind == "network":
        return "there is no network access while grading"
    return ""
