"""Byte-reproducible HDF5 and atomic file writing shared by the stand-in generators."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def replace_as_created(tmp: str | os.PathLike, dest: str | os.PathLike) -> None:
    """``os.replace(tmp, dest)``, first giving ``tmp`` the mode a plain ``open(dest, "w")`` would.

    ``tempfile.mkstemp`` creates files readable by their owner only; a data file in the shared
    cache must stay readable by the other users (a sandboxed grading child runs as one).
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, dest)


@contextmanager
def atomic_path(dest: str | os.PathLike):
    """Yield a temporary path next to ``dest``; move it over ``dest`` only if the block succeeds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    os.close(fd)
    try:
        yield Path(tmp)
        replace_as_created(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_h5(dest: str | os.PathLike, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` as HDF5 datasets (key -> array) to ``dest`` atomically.

    No timestamps are stored, so the same arrays always give the same bytes.
    """
    import h5py

    with atomic_path(dest) as tmp:
        with h5py.File(tmp, "w", track_order=False, libver="earliest") as f:
            for key, value in arrays.items():
                f.create_dataset(key, data=np.ascontiguousarray(value), track_times=False)
    return Path(dest)
