"""One entry point for the offline stand-ins: ``synthesize(name, out, n, seed)``.

A stand-in directory has exactly the real layout of its data set (see ``cache``) plus a small
``STANDIN.json`` recording generator version, ``n`` and ``seed``, which ``locate`` uses to decide
whether a cached stand-in is current.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from . import cache, registry

META = "STANDIN.json"
# Bump a version when its generator's output changes, so cached stand-ins are rebuilt.
VERSIONS = {"galaxy10": 1, "signs": 1, "mnist": 1}


def result_path(name: str, directory: Path) -> Path:
    """What ``locate`` hands out for a data set stored in ``directory``: the .h5 file for Galaxy10,
    the directory for SIGNS, the torchvision root for MNIST."""
    return directory / registry.GALAXY10.files[0].name if name == "galaxy10" else directory


def synthesize(name: str, out: str | os.PathLike | None = None, n: int | None = None, seed: int = 0) -> Path:
    """Write the stand-in of ``name`` into directory ``out`` (default ``cache.synthetic_dir(name)``).

    ``n``: Galaxy10 images; SIGNS training images (the test file gets ``max(6, n // 9)``, 120 for
    the default 1080); MNIST training images (the test set is always the 297 held-out digits).
    ``None`` = ``registry.get(name).default_synth_n``. Deterministic per ``(n, seed)``.
    Returns ``result_path(name, out)``. For Galaxy10 ``out`` may also be a ``.h5`` file path.
    """
    ds = registry.get(name)
    n = ds.default_synth_n if n is None else int(n)
    out = Path(out).expanduser() if out is not None else cache.synthetic_dir(ds.name)
    if ds.name == "galaxy10":
        from .synth_galaxy10 import write_galaxy10

        if out.suffix == ".h5":  # an explicit file name: write just that file
            return write_galaxy10(out, n, seed)
        write_galaxy10(out, n, seed)
    elif ds.name == "signs":
        from .synth_signs import write_signs

        write_signs(out, n_train=n, n_test=max(6, n // 9), seed=seed)
    else:
        from .synth_mnist import write_mnist

        write_mnist(out, n_train=n, seed=seed)
    meta = {"name": ds.name, "version": VERSIONS[ds.name], "n": n, "seed": seed}
    (out / META).write_text(json.dumps(meta) + "\n")
    return result_path(ds.name, out)


def read_meta(directory: Path) -> dict | None:
    try:
        return json.loads((directory / META).read_text())
    except (OSError, ValueError):
        return None


def ensure_synthetic(name: str) -> Path:
    """The cached default stand-in (seed 0, default size) of ``name``, built if absent or outdated.

    Built in a temporary directory and moved into place file by file (metadata last), so a
    concurrent or interrupted build never leaves a stand-in that looks complete but is not.
    """
    ds = registry.get(name)
    target = cache.synthetic_dir(ds.name)
    want = {"name": ds.name, "version": VERSIONS[ds.name], "n": ds.default_synth_n, "seed": 0}
    if read_meta(target) == want:
        return result_path(ds.name, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{ds.name}-build-"))
    try:
        synthesize(ds.name, tmp, ds.default_synth_n, 0)
        files = sorted(p for p in tmp.rglob("*") if p.is_file() and p.name != META)
        for f in files + [tmp / META]:
            dest = target / f.relative_to(tmp)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result_path(ds.name, target)
