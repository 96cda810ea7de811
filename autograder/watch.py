"""``check --watch``: check again each time the student saves a file, answering in the time the tests take.

A plain ``check`` starts a new Python that imports torch, pytest and hypothesis (about 3 s here)
before the first test runs. The watching process imports them once, with the third-party modules
the student's files import, and then, for every check, forks: the child runs the check (a fresh
process each time, so nothing of one run leaks into the next) and prints the feedback, the parent
waits for it and polls the folder's ``.py`` files (modification time and size, every
``POLL_S`` seconds) for the next save. Ctrl-C ends the watch. Where ``os.fork`` does not exist
(Windows), each check runs in a new ``python -m autograder check`` instead: the same answers,
without the saved start-up.
"""
from __future__ import annotations

import ast
import contextlib
import importlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

POLL_S = 0.3     # how often the folder is looked at
SETTLE_S = 0.2   # a file must stay unchanged this long (editors save in several writes)
WARM = ("torch", "pytest", "hypothesis", "autograder.pytest_plugin", "autograder.check", "autograder.feedback")


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """{file name: (modification time in ns, size)} of the ``.py`` files directly in ``folder``."""
    out = {}
    for path in sorted(Path(folder).glob("*.py")):
        with contextlib.suppress(OSError):
            st = path.stat()
            out[path.name] = (st.st_mtime_ns, st.st_size)
    return out


def imported_names(folder: Path, own: set[str]) -> list[str]:
    """Top-level modules imported by the ``.py`` files of ``folder``, other than the folder's own
    (``own``: module names without ``.py``) and relative imports; files that do not parse are skipped."""
    names: set[str] = set()
    for path in sorted(Path(folder).glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return sorted(n for n in names if n.split(".")[0] not in own)


def warm_up(folder: Path, own: set[str]) -> None:
    """Import what every check needs, so that forked checks find it loaded. A module that fails to
    import here is left for the check itself to report."""
    for name in (*WARM, *imported_names(folder, own)):
        try:
            importlib.import_module(name)
        except (Exception, SystemExit):  # whatever a module does at import, the check will say it (Ctrl-C still stops)
            pass


def changed(folder: Path, before: dict) -> dict | None:
    """The folder's new snapshot once it differs from ``before`` and has settled, else None."""
    now = snapshot(folder)
    if now == before:
        return None
    time.sleep(SETTLE_S)
    while (later := snapshot(folder)) != now:
        now = later
        time.sleep(SETTLE_S)
    return now


def run_forked(check_once: Callable[[], int]) -> int:
    """``check_once()`` in a forked child; its exit status."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: one check, then leave without running the parent's exit handlers
        code = 1
        try:
            code = check_once()
        except KeyboardInterrupt:
            code = 130
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status)
        except KeyboardInterrupt:
            continue  # the child got Ctrl-C too: let it print what it knows, then stop


def watch(folder: Path, own: set[str], check_once: Callable[[], int], argv: list[str], *,
          say: Callable[[str], None] = print) -> int:
    """Check now and after every save in ``folder`` until Ctrl-C; returns 0 (Ctrl-C is how a watch ends).

    ``check_once`` runs one check in this process and returns its exit status; ``argv`` is the same
    check as ``python -m autograder`` arguments, for platforms without ``fork``.
    """
    forking = hasattr(os, "fork")
    if forking:
        warm_up(folder, own)
    names = ", ".join(sorted(p.name for p in Path(folder).glob("*.py"))) or "no .py files yet"
    state = snapshot(folder)
    try:
        while True:
            began = time.monotonic()
            if forking:
                code = run_forked(check_once)
            else:
                code = subprocess.run([sys.executable, "-m", "autograder", *argv]).returncode
            if code == 130:  # Ctrl-C during the check: the check has said what it knew
                break
            say(f"[{time.strftime('%H:%M:%S')}] checked in {time.monotonic() - began:.1f} s. Watching {folder} "
                f"({names}): save a file to check again, Ctrl-C to stop.")
            while (new := changed(folder, state)) is None:
                time.sleep(POLL_S)
            state = new
    except KeyboardInterrupt:
        pass
    say("stopped watching.")
    return 0
