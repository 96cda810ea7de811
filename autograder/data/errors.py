"""Exceptions raised by the data layer.

Every message is a single line that names the file, where it was expected, and the command
that fixes the problem, so the CLI and notebooks can show it as it is instead of a traceback.
"""

from __future__ import annotations


class DataError(Exception):
    """Base class: something about a data set on disk is not as the registry says."""


class DataMissingError(DataError):
    """A data file is not where it is expected."""


class DataCorruptError(DataError):
    """A data file exists but is unreadable, truncated, or has the wrong checksum or schema."""


class DownloadError(DataError):
    """A download failed (network, HTTP status, size or checksum); nothing was left on disk."""
