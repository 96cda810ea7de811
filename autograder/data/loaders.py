"""Loaders that return what the assignments start from, with schema checks and one-line errors.

* :func:`load_galaxy10` -> ``images`` uint8 ``(N, 69, 69, 3)``, ``labels`` int64 ``(N,)`` in 0..9
* :func:`load_signs` -> ``train_x`` uint8 ``(N, 64, 64, 3)``, ``train_y`` int64 ``(N,)``,
  ``test_x``, ``test_y`` (same dtypes), ``classes`` int64 ``(6,)``
* :func:`load_mnist` -> ``torchvision.datasets.MNIST`` (``download=False``);
  :func:`load_mnist_arrays` -> ``images`` uint8 ``(N, 28, 28)``, ``labels`` int64 ``(N,)``

Every function accepts the real files and the synthetic stand-ins alike (only N differs), and
raises :class:`DataMissingError` or :class:`DataCorruptError` with a single-line message naming
the file and the command that fixes it; h5py's own exceptions never escape.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import registry
from .errors import DataCorruptError, DataError, DataMissingError, corrupt, missing
from .idx import read_idx
from .lookup import locate, signs_layout

PathLike = str | os.PathLike


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def check_array(ds: registry.Dataset, path: Path, spec: registry.ArraySpec, arr) -> None:
    """Raise :class:`DataCorruptError` unless ``arr`` (numpy or h5py dataset) matches ``spec``."""
    shape, dtype = tuple(arr.shape), np.dtype(arr.dtype)
    ok = len(shape) == len(spec.shape) and all(e is None or e == s for e, s in zip(spec.shape, shape))
    if not ok:
        want = "(" + ", ".join("N" if e is None else str(e) for e in spec.shape) + ("," if len(spec.shape) == 1 else "") + ")"
        raise corrupt(ds, path, f"'{spec.key}' has shape {shape}, expected {want}")
    if dtype.kind not in spec.kind or (spec.itemsize is not None and dtype.itemsize != spec.itemsize):
        raise corrupt(ds, path, f"'{spec.key}' has dtype {dtype}, expected "
                                f"{'uint8' if spec.itemsize == 1 else 'an integer type'}")


def read_h5(ds: registry.Dataset, path: Path, specs: tuple[registry.ArraySpec, ...]) -> dict[str, np.ndarray]:
    """Read the arrays named by ``specs`` from HDF5 file ``path``, checking keys, shapes and dtypes."""
    import h5py

    if not path.is_file():
        raise missing(ds, path.name, path)
    try:
        with h5py.File(path, "r") as f:
            found = sorted(f.keys())
            absent = [s.key for s in specs if s.key not in f]
            if absent:
                raise corrupt(ds, path, f"missing HDF5 dataset(s) {absent}; it has {found}")
            for s in specs:
                check_array(ds, path, s, f[s.key])
            return {s.key: f[s.key][()] for s in specs}
    except DataError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as e:
        raise corrupt(ds, path, f"not a readable HDF5 file: {_first_line(e)}") from None


def _check_labels(ds: registry.Dataset, path: Path, key: str, labels: np.ndarray, n_classes: int, n: int) -> np.ndarray:
    if len(labels) != n:
        raise corrupt(ds, path, f"'{key}' has {len(labels)} labels for {n} images")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise corrupt(ds, path, f"'{key}' has labels outside 0..{n_classes - 1} "
                                f"(min {labels.min()}, max {labels.max()})")
    return labels.astype(np.int64)


def galaxy10_file(path: PathLike | None = None) -> Path:
    """Resolve ``path`` (a file, a directory holding ``Galaxy10.h5``, or ``None`` = located) to the file."""
    if path is None:

        return locate("galaxy10")
    p = Path(path).expanduser()
    return p / registry.GALAXY10.files[0].name if p.is_dir() else p


def load_galaxy10(path: PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load Galaxy10 SDSS from ``Galaxy10.h5`` (real or stand-in).

    ``path``: the ``.h5`` file or a directory that contains it; ``None`` = the real file in the
    cache (``locate("galaxy10")``). Returns ``images`` uint8 ``(N, 69, 69, 3)`` (RGB) and
    ``labels`` int64 ``(N,)`` in 0..9 (``registry.GALAXY10_CLASSES`` gives the names).
    """
    ds = registry.GALAXY10
    file = galaxy10_file(path)
    spec = ds.files[0]
    arrays = read_h5(ds, file, spec.arrays)
    images = arrays["images"]
    labels = _check_labels(ds, file, "ans", arrays["ans"], len(ds.classes), len(images))
    return images, labels


def _load_npy(ds: registry.Dataset, spec: registry.FileSpec, path: Path) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise corrupt(ds, path, f"not a readable .npy file: {_first_line(e)}") from None
    check_array(ds, path, spec.arrays[0], arr)
    return arr


def load_signs(directory: PathLike | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load SIGNS from ``train_signs.h5``/``test_signs.h5`` or the six ``.npy`` files in ``directory``.

    ``directory``: ``None`` = the real files in the cache (``locate("signs")``). Returns
    ``train_x`` uint8 ``(N, 64, 64, 3)``, ``train_y`` int64 ``(N,)``, ``test_x`` uint8
    ``(M, 64, 64, 3)``, ``test_y`` int64 ``(M,)``, ``classes`` int64 ``(6,)`` (= 0..5).
    With the .npy layout, ``train_set_*`` followed by ``val_set_*`` form the training arrays
    (the same 1080 images as the HDF5 training file) and ``classes`` is ``arange(6)``.
    """
    ds = registry.SIGNS
    if directory is None:

        directory = locate("signs")
    d = Path(directory).expanduser()
    layout = signs_layout(d)
    if layout is None:
        raise missing(ds, "train_signs.h5 and test_signs.h5 (or the six .npy split files)", d)
    if layout == "h5":
        tr_spec, te_spec = ds.files
        tr = read_h5(ds, d / tr_spec.name, tr_spec.arrays)
        te = read_h5(ds, d / te_spec.name, te_spec.arrays)
        train_x, test_x = tr["train_set_x"], te["test_set_x"]
        train_y = _check_labels(ds, d / tr_spec.name, "train_set_y", tr["train_set_y"], 6, len(train_x))
        test_y = _check_labels(ds, d / te_spec.name, "test_set_y", te["test_set_y"], 6, len(test_x))
        classes = tr["list_classes"].astype(np.int64)
        if not np.array_equal(classes, np.arange(6)):
            raise corrupt(ds, d / tr_spec.name, f"'list_classes' is {classes.tolist()}, expected [0, 1, 2, 3, 4, 5]")
        return train_x, train_y, test_x, test_y, classes
    arrays = {}
    for spec in ds.alt_files:
        arrays[spec.arrays[0].key] = _load_npy(ds, spec, d / spec.name)
    out = []
    for split in ("train", "val", "test"):
        x, y = arrays[f"{split}_set_x"], arrays[f"{split}_set_y"]
        out.append((x, _check_labels(ds, d / f"{split}_set_y.npy", f"{split}_set_y", y, 6, len(x))))
    train_x = np.concatenate([out[0][0], out[1][0]])
    train_y = np.concatenate([out[0][1], out[1][1]])
    return train_x, train_y, out[2][0], out[2][1], np.arange(6, dtype=np.int64)


def _mnist_files(root: Path, train: bool) -> tuple[Path, Path]:
    prefix = "train" if train else "t10k"
    raw = root / "MNIST" / "raw"
    return raw / f"{prefix}-images-idx3-ubyte", raw / f"{prefix}-labels-idx1-ubyte"


def load_mnist_arrays(root: PathLike | None = None, train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Read and check the raw IDX files under ``root/MNIST/raw`` (a torchvision root).

    Returns ``images`` uint8 ``(N, 28, 28)`` and ``labels`` int64 ``(N,)`` in 0..9. ``root=None``
    = the real data in the cache (``locate("mnist")``).
    """
    ds = registry.MNIST
    if root is None:

        root = locate("mnist")
    root = Path(root).expanduser()
    img_path, lab_path = _mnist_files(root, train)
    for p in (img_path, lab_path):
        if not p.is_file():
            raise missing(ds, p.name, p)
    arrays = []
    for p in (img_path, lab_path):
        try:
            arrays.append(read_idx(p))
        except DataCorruptError as e:
            raise corrupt(ds, p, str(e).replace(f"{p} ", "", 1)) from None
    images, labels = arrays
    check_array(ds, img_path, registry.ArraySpec("images", (None, 28, 28), "u", 1), images)
    check_array(ds, lab_path, registry.ArraySpec("labels", (None,), "u", 1), labels)
    return images, _check_labels(ds, lab_path, "labels", labels, 10, len(images))


def load_mnist(root: PathLike | None = None, train: bool = True, **kwargs):
    """``torchvision.datasets.MNIST(root, train=train, download=False, **kwargs)`` after checking the files.

    ``root``: the torchvision root (the directory that contains ``MNIST/raw``); ``None`` = the
    real data in the cache. ``kwargs`` go to torchvision (``transform``, ``target_transform``).
    """
    import torchvision

    if root is None:

        root = locate("mnist")
    load_mnist_arrays(root, train)  # clear errors instead of torchvision's
    return torchvision.datasets.MNIST(str(root), train=train, download=False, **kwargs)
