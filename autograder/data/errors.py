"""Exceptions raised by the data layer.

Every message is a single line that names the file, where it was expected, and the command
that fixes the problem, so the CLI and notebooks can show it as it is instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path


class DataError(Exception):
    """Base class: something about a data set on disk is not as the registry says."""


class DataMissingError(DataError):
    """A data file is not where it is expected."""


class DataCorruptError(DataError):
    """A data file exists but is unreadable, truncated, or has the wrong checksum or schema."""


class DownloadError(DataError):
    """A download failed (network, HTTP status, size or checksum); nothing was left on disk."""


def _fix_hint(ds, directory: Path | None = None) -> str:
    if ds.downloadable:
        get = f"download it with `{ds.download_command()}`"
    else:
        get = (ds.manual or "").format(dir=directory if directory is not None else "the data directory")
    return f"{get}; or build an offline stand-in with `{ds.synth_command()}`"


def missing(ds, what: str, where: Path) -> DataMissingError:
    """The standard "not found" error for data set ``ds``."""
    return DataMissingError(f"{ds.title}: {what} not found at {where}. To get it: {_fix_hint(ds, where if where.is_dir() else where.parent)}.")


def corrupt(ds, path: Path, problem: str) -> DataCorruptError:
    """The standard "unusable file" error for data set ``ds``."""
    hint = _fix_hint(ds, path.parent)
    return DataCorruptError(f"{ds.title}: {path} is unusable ({problem}). Delete it and {hint}.")
