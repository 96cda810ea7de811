"""Offline stand-in for MNIST: scikit-learn's bundled 8x8 digits resampled to 28x28, IDX files.

``make_mnist(n_train, seed)`` returns ``(train_x, train_y, test_x, test_y)``: images uint8
``(N, 28, 28)`` (0 background, 255 ink), labels uint8 ``(N,)`` in 0..9. ``write_mnist(root, ...)``
writes ``root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte`` so that
``torchvision.datasets.MNIST(root, train=..., download=False)`` reads them.

The 1,797 digits (``sklearn.datasets.load_digits``, no download) are split once and for all,
independently of ``seed``, into 1,500 training and 297 test digits, so no test digit has a
training copy. Each digit is drawn into the central 20x20 box of a 28x28 canvas, like MNIST, by
bilinear resampling under a small random affine jitter (rotation up to 8 degrees, scale 0.9-1.1,
shift up to 1 px) that depends on ``seed``; asking for more than 1,500 training images adds
further jittered copies. Output depends only on the arguments.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .idx import write_idx

RAW = Path("MNIST") / "raw"
FILES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}
N_BASE_TRAIN = 1500
_SPLIT_SEED = 1797  # fixed: the train/test split never depends on the user's seed


def _base_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.float32) / 16.0  # (1797, 8, 8) in [0, 1]
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(_SPLIT_SEED).permutation(len(labels))
    tr, te = order[:N_BASE_TRAIN], order[N_BASE_TRAIN:]
    return images[tr], labels[tr], images[te], labels[te]


def _resample(images8: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N, 8, 8) float in [0, 1] -> (N, 28, 28) uint8, digit in the central 20x20 box, jittered."""
    import torch
    import torch.nn.functional as F

    n = len(images8)
    ang = np.deg2rad(rng.uniform(-8, 8, n))
    s = rng.uniform(0.9, 1.1, n)
    shift = rng.uniform(-1.0, 1.0, (n, 2)) * (2.0 / 28)  # pixels -> normalised coordinates
    # output coords (normalised over 28 px) -> input coords (normalised over 8 px): 28/20 zoom
    k = 28.0 / 20.0 / s
    theta = np.zeros((n, 2, 3), np.float32)
    theta[:, 0, 0], theta[:, 0, 1] = k * np.cos(ang), -k * np.sin(ang)
    theta[:, 1, 0], theta[:, 1, 1] = k * np.sin(ang), k * np.cos(ang)
    theta[:, :, 2] = -(theta[:, :, :2] @ shift[:, :, None])[:, :, 0]
    with torch.no_grad():
        src = torch.from_numpy(np.ascontiguousarray(images8, np.float32))[:, None]
        grid = F.affine_grid(torch.from_numpy(theta), (n, 1, 28, 28), align_corners=False)
        out = F.grid_sample(src, grid, mode="bilinear", padding_mode="zeros", align_corners=False)[:, 0]
    # MNIST strokes are mostly saturated: a mild contrast curve.
    out = torch.clamp(out * 1.35 - 0.08, 0, 1).numpy()
    return np.rint(out * 255).astype(np.uint8)


def make_mnist(n_train: int = N_BASE_TRAIN, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return ``train_x (n_train, 28, 28) uint8, train_y (n_train,) uint8, test_x (297, 28, 28), test_y (297,)``."""
    if n_train < 1:
        raise ValueError(f"n must be positive, got {n_train}")
    btx, bty, bvx, bvy = _base_split()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 30]))
    reps = -(-n_train // N_BASE_TRAIN)
    pick = np.concatenate([rng.permutation(N_BASE_TRAIN) for _ in range(reps)])[:n_train]
    train_x = _resample(btx[pick], rng)
    test_x = _resample(bvx, np.random.default_rng(np.random.SeedSequence([seed, 31])))
    return train_x, bty[pick], test_x, bvy


def write_mnist(root: str | os.PathLike, n_train: int = N_BASE_TRAIN, seed: int = 0) -> Path:
    """Write the four raw IDX files under ``root/MNIST/raw``; return ``root`` (a torchvision root)."""
    root = Path(root)
    tx, ty, vx, vy = make_mnist(n_train, seed)
    arrays = {("train", "images"): tx, ("train", "labels"): ty, ("test", "images"): vx, ("test", "labels"): vy}
    for key, name in FILES.items():
        write_idx(root / RAW / name, arrays[key])
    return root
