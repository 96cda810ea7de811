"""A submission's files on their way into a sandbox: collected, staged, named, cleaned up.

The trusted side reads a submission folder once (:func:`collect_files`: regular files only, no
symlinks, devices or caches, bounded by ``Limits.submission_mb``), and a batch job carries those
bytes, not a path. A sandbox's staging folder (:func:`staging_folder`, under the system's
temporary folder, named after the grading process) receives them (:func:`write_files`); the child
sees them at ``/grading/submission`` (:data:`SANDBOX_NAME`): never a folder named after the
student. :func:`remove_stale_scratch` deletes staging folders of grading processes that were
killed.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from .limits import Limits

SKIPPED = {"__pycache__", ".git", ".ipynb_checkpoints", ".hypothesis", ".pytest_cache"}
MAX_FILES = 5000
MAX_DEPTH = 8  # folders below the submission's top
SANDBOX_NAME = "submission"  # the sandbox's folder (/grading/submission): never the student's name
SCRATCH_PREFIX = "autograder-sandbox-"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def safe_name(name: str) -> str:
    """``name`` if it is a plain file name of at most 64 characters, else ``"submission"``."""
    return name if _SAFE_NAME.match(name or "") else SANDBOX_NAME


def collect_files(folder: Path, limits: Limits) -> dict[str, bytes]:
    """{relative path: bytes} of the regular files of a submission folder (no symlinks, devices,
    caches), at most ``limits.submission_mb`` in all; files over what is left are left out."""
    folder = Path(folder)
    out: dict[str, bytes] = {}
    budget = limits.submission_mb * 1024 * 1024
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED and not os.path.islink(os.path.join(dirpath, d)))
        rel_dir = os.path.relpath(dirpath, folder)
        if rel_dir.count(os.sep) > MAX_DEPTH:
            continue
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if not (st.st_mode & 0o170000 == 0o100000) or st.st_size > budget or len(out) >= MAX_FILES:
                continue
            budget -= st.st_size
            with open(path, "rb") as fh:
                out[os.path.normpath(os.path.join(rel_dir, name))] = fh.read()
    return out


def write_files(files: dict[str, bytes], dest: Path) -> None:
    """Write :func:`collect_files`' result below ``dest``; a path leading outside it is a ``ValueError``."""
    for rel, data in files.items():
        parts = Path(rel).parts
        if Path(rel).is_absolute() or ".." in parts or not parts:
            raise ValueError(f"refusing to write {rel!r} outside the submission folder")
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def staging_folder() -> Path:
    """A new, empty staging folder of this process (``root/`` for the sandbox's file system,
    ``files/`` for the submission); :func:`remove_stale_scratch` finds it after a kill."""
    base = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
    (base / "root").mkdir()
    (base / "files").mkdir()
    return base


def remove_stale_scratch() -> None:
    """Delete staging folders left by grader processes that were killed (named after their pid)."""
    root = Path(tempfile.gettempdir())
    for path in root.glob(f"{SCRATCH_PREFIX}*-*"):
        try:
            pid = int(path.name[len(SCRATCH_PREFIX):].split("-", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue
