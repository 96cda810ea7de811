"""``locate``: where the assignments find their data (real if present, else the stand-in)."""

from __future__ import annotations

from pathlib import Path

from . import cache, registry
from .errors import corrupt, missing


def signs_layout(directory: Path) -> str | None:
    """``"h5"`` if both SIGNS HDF5 files are in ``directory``, ``"npy"`` if all six .npy files are, else None."""
    if all((directory / f.name).is_file() for f in registry.SIGNS.files):
        return "h5"
    if all((directory / f.name).is_file() for f in registry.SIGNS.alt_files):
        return "npy"
    return None


def real_path(name: str) -> Path | None:
    """Path of the complete real data of ``name`` in the cache, or None if any file is absent.

    Files whose size the registry knows are checked (cheap; catches truncated copies) and raise
    :class:`DataCorruptError` when wrong. The full SHA-256 check happens at download time.
    Returns the ``.h5`` file for Galaxy10, the directory for SIGNS, the torchvision root for MNIST.
    """
    ds = registry.get(name)
    d = cache.real_dir(ds.name)
    if ds.name == "signs":
        return d if signs_layout(d) else None
    for spec in ds.files:
        p = d / spec.name
        if not p.is_file():
            return None
        if spec.size is not None and p.stat().st_size != spec.size:
            raise corrupt(ds, p, f"{p.stat().st_size} bytes, expected {spec.size}; an interrupted copy?")
    return d / ds.files[0].name if ds.name == "galaxy10" else d


def locate(name: str, synthetic_ok: bool = False, *, synthetic: bool = False, quiet: bool = False) -> Path:
    """Find data set ``name`` ("galaxy10", "signs" or "mnist").

    Returns the real data in the cache if present: the ``Galaxy10.h5`` path, the SIGNS
    directory, or the MNIST torchvision root. Otherwise, if ``synthetic_ok``, builds (once) and
    returns the offline stand-in under ``<cache>/synthetic/<name>/`` (seed 0, default size) and
    prints one line saying so and how to get the real data. ``synthetic=True`` returns the
    stand-in even when the real data is present. Raises :class:`DataMissingError` when the real
    data is absent and ``synthetic_ok`` is false, :class:`DataCorruptError` when a real file in
    the cache has the wrong size.
    """
    ds = registry.get(name)
    if not synthetic:
        found = real_path(ds.name)
        if found is not None:
            return found
        if not synthetic_ok:
            d = cache.real_dir(ds.name)
            if ds.name == "galaxy10":
                raise missing(ds, ds.files[0].name, d / ds.files[0].name)
            what = ("train_signs.h5 and test_signs.h5 (or the six .npy split files)" if ds.name == "signs"
                    else "the MNIST raw files (MNIST/raw/*-ubyte)")
            raise missing(ds, what, d)
    from .synth import ensure_synthetic

    path = ensure_synthetic(ds.name)
    if not quiet:
        how = f"`{ds.download_command()}`" if ds.downloadable else f"copy the files into {cache.real_dir(ds.name)}"
        print(f"Using the synthetic stand-in for {ds.title} ({path}); for the real data: {how}.")
    return path
