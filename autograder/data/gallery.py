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
    # A bare Figure (no pyplot): works headless and leaves a notebook's backend alone.
    from matplotlib.figure import Figure

    n_classes = len(class_names)
    picks = pick_examples(np.asarray(labels), n_classes, per_class, seed)
    fig = Figure(figsize=(cell * n_classes, cell * per_class + 0.9))
    axes = fig.subplots(per_class, n_classes, squeeze=False)
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
    return out


def gallery(name: str, synthetic: bool = False, out: str | os.PathLike | None = None, seed: int = 0) -> Path:
    """Draw the class gallery of data set ``name`` and save it as PNG; return the path.

    Galaxy10: 3 x 10 grid (3 examples per class, class names as column titles); SIGNS: 3 x 6;
    MNIST: 3 x 10. ``synthetic``: use the cached stand-in instead of the real data. ``out``
    defaults to ``<name>_synthetic.png`` or ``<name>_real.png`` in the current directory.
    """
    from . import loaders, registry
    from .lookup import locate

    ds = registry.get(name)
    path = locate(ds.name, synthetic=synthetic)
    if ds.name == "galaxy10":
        images, labels = loaders.load_galaxy10(path)
    elif ds.name == "signs":
        images, labels, *_ = loaders.load_signs(path)
    else:
        images, labels = loaders.load_mnist_arrays(path, train=True)
    kind = "synthetic stand-in" if synthetic else "real data"
    out = Path(out) if out is not None else Path(f"{ds.name}_{'synthetic' if synthetic else 'real'}.png")
    names = ds.classes if ds.name == "galaxy10" else [f"{c} finger(s)" if ds.name == "signs" else c for c in ds.classes]
    return plot_grid(images, labels, names, out, per_class=3, seed=seed,
                     title=f"{ds.title}: {kind}, 3 examples per class ({len(labels)} images)",
                     cell=1.35 if ds.name == "galaxy10" else 1.5)
