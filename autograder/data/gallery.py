"""Class galleries: a grid with ``per_class`` example images (rows) for every class (columns)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np


def pick_examples(labels: np.ndarray, n_classes: int, per_class: int = 3, seed: int = 0) -> np.ndarray:
    """Indices ``(per_class, n_classes)`` of examples per class (-1 where a class has too few)."""
    rng = np.random.default_rng(seed)
    out = np.full((per_class, n_classes), -1, dtype=np.int64)
    for c in range(n_classes):
        idx = np.flatnonzero(labels == c)
        if idx.size:
            chosen = rng.choice(idx, size=min(per_class, idx.size), replace=False)
            out[: chosen.size, c] = chosen
    return out


def plot_grid(images: np.ndarray, labels: np.ndarray, class_names: list[str] | tuple[str, ...],
              out: str | os.PathLike, per_class: int = 3, title: str | None = None,
              seed: int = 0, cell: float = 1.35) -> Path:
    """Save a ``per_class x len(class_names)`` grid of ``images`` (uint8 ``(N, H, W[, 3])``) to ``out``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    n_classes = len(class_names)
    picks = pick_examples(np.asarray(labels), n_classes, per_class, seed)
    fig, axes = plt.subplots(per_class, n_classes, figsize=(cell * n_classes, cell * per_class + 0.9),
                             squeeze=False)
    for r in range(per_class):
        for c in range(n_classes):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            i = picks[r, c]
            if i >= 0:
                img = images[i]
                ax.imshow(img, cmap="gray" if img.ndim == 2 else None, interpolation="nearest")
            if r == 0:
                ax.set_title(f"{c}: " + "\n".join(textwrap.wrap(str(class_names[c]), 14)), fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
