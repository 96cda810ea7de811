"""The IDX file format of MNIST (as read by ``torchvision.datasets.MNIST``), for uint8 arrays.

Layout: a 4-byte magic (two zero bytes, type code 0x08 = uint8, number of dimensions), one
big-endian uint32 per dimension, then the data in C order.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .errors import DataCorruptError
from .h5write import atomic_path

UINT8 = 0x08


def encode_idx(array: np.ndarray) -> bytes:
    """IDX bytes of a uint8 array with 1 to 3 dimensions."""
    a = np.ascontiguousarray(array)
    if a.dtype != np.uint8 or not 1 <= a.ndim <= 3:
        raise ValueError(f"IDX writer takes uint8 arrays with 1-3 dims, got {a.dtype} {a.shape}")
    header = bytes([0, 0, UINT8, a.ndim]) + np.asarray(a.shape, dtype=">u4").tobytes()
    return header + a.tobytes()


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write ``array`` (uint8, 1-3 dims) as an IDX file, atomically."""
    data = encode_idx(array)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read a uint8 IDX file; :class:`DataCorruptError` if the header or length is wrong."""
    path = Path(path)
    raw = path.read_bytes()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != UINT8 or not 1 <= raw[3] <= 3:
        raise DataCorruptError(f"{path} is not a uint8 IDX file (bad magic number {raw[:4].hex()})")
    nd = raw[3]
    if len(raw) < 4 + 4 * nd:
        raise DataCorruptError(f"{path} is truncated inside its header")
    shape = tuple(int(v) for v in np.frombuffer(raw, ">u4", nd, 4))
    expected = 4 + 4 * nd + int(np.prod(shape))
    if len(raw) != expected:
        raise DataCorruptError(f"{path} has {len(raw)} bytes, its header {shape} implies {expected} (truncated?)")
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(shape)
