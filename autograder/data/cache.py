"""Where data sets live on disk.

Layout under the cache directory (``data_dir()``)::

    <cache>/galaxy10/Galaxy10.h5                     real Galaxy10 SDSS
    <cache>/signs/train_signs.h5, test_signs.h5      real SIGNS (or the six .npy files)
    <cache>/mnist/MNIST/raw/*-idx?-ubyte             real MNIST (torchvision's layout; root = <cache>/mnist)
    <cache>/synthetic/<name>/...                     offline stand-ins, same layout as the real ones
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "DLCOURSE_DATA_DIR"


def data_dir() -> Path:
    """Return the cache directory (not created).

    ``$DLCOURSE_DATA_DIR`` if set, else ``$XDG_CACHE_HOME/dlcourse-data``, else
    ``~/.cache/dlcourse-data``.
    """
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "dlcourse-data"


def real_dir(name: str) -> Path:
    """Directory that holds the real files of data set ``name``."""
    return data_dir() / name


def synthetic_dir(name: str) -> Path:
    """Directory that holds the cached offline stand-in of data set ``name``."""
    return data_dir() / "synthetic" / name
