"""Data sets of the course: Galaxy10 SDSS, SIGNS and MNIST.

Real data lives in a cache directory (``$DLCOURSE_DATA_DIR``, default
``~/.cache/dlcourse-data``) and is fetched only by an explicit, checksum-verified download
(``python -m autograder data download galaxy10``). Every data set also has an offline stand-in
with exactly the real on-disk schema (``python -m autograder data synth <name>``), so the same
student code, tests and graders run without the internet.

Typical use in an assignment::

    from autograder.data import locate, load_galaxy10
    images, labels = load_galaxy10(locate("galaxy10", synthetic_ok=True))
    # images: uint8 (N, 69, 69, 3); labels: int64 (N,)
"""

import importlib

# name -> submodule. Loaded on first use (PEP 562): `python -m autograder check` imports the data
# package for its `data` subcommands only, and must not pay here for numpy, h5py or urllib/ssl.
_EXPORTS = {
    "data_dir": "cache", "real_dir": "cache", "synthetic_dir": "cache",
    "download_dataset": "download", "download_file": "download", "sha256_file": "download",
    "DataCorruptError": "errors", "DataError": "errors", "DataMissingError": "errors", "DownloadError": "errors",
    "load_galaxy10": "loaders", "load_mnist": "loaders", "load_mnist_arrays": "loaders", "load_signs": "loaders",
    "locate": "lookup",
    "DATASETS": "registry", "GALAXY10_CLASSES": "registry", "get": "registry",
    "synthesize": "synth",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
