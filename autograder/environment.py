"""The autograder's environment variables: one prefix, ``DLCOURSE_``.

    DLCOURSE_ROOT           the course repository (default: the folder holding ``autograder/``)
    DLCOURSE_DATA_DIR       the data-set cache (``autograder.data.cache``)
    DLCOURSE_MAX_EXAMPLES   cap on hypothesis examples per test in grading runs: for the grader's
                            own test suite only, never for real grading
    DLCOURSE_SANDBOX_HIDE   folders (``os.pathsep``-separated) the sandbox leaves out: for tests of
                            the preflight only

``AUTOGRADER_MAX_EXAMPLES`` and ``AUTOGRADER_SANDBOX_HIDE``, the names of earlier versions, are
still read (deprecated aliases: scripts and CI configurations outside this repository may set them).
"""
from __future__ import annotations

import os

PREFIX = "DLCOURSE_"
DEPRECATED = {"MAX_EXAMPLES": "AUTOGRADER_MAX_EXAMPLES", "SANDBOX_HIDE": "AUTOGRADER_SANDBOX_HIDE"}


def name(key: str) -> str:
    """The variable's name: ``DLCOURSE_<key>``."""
    return PREFIX + key


def get(key: str, default: str | None = None) -> str | None:
    """``$DLCOURSE_<key>``, else its deprecated alias, else ``default`` (an empty value counts as unset)."""
    for var in (name(key), DEPRECATED.get(key)):
        if var and os.environ.get(var):
            return os.environ[var]
    return default
