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

from .cache import data_dir, real_dir, synthetic_dir
from .download import download_dataset, download_file, sha256_file
from .errors import DataCorruptError, DataError, DataMissingError, DownloadError
from .loaders import load_galaxy10, load_mnist, load_mnist_arrays, load_signs
from .lookup import locate
from .registry import DATASETS, GALAXY10_CLASSES, get
from .synth import synthesize

__all__ = [
    "DATASETS", "GALAXY10_CLASSES", "DataCorruptError", "DataError", "DataMissingError", "DownloadError",
    "data_dir", "download_dataset", "download_file", "get", "load_galaxy10", "load_mnist", "load_mnist_arrays",
    "load_signs", "locate", "real_dir", "sha256_file", "synthesize", "synthetic_dir",
]
