"""The one registry of data sets: file names, sources, checksums, expected arrays.

Each :class:`Dataset` lists the files that make up the real data set in its directory
(``cache.real_dir(name)``), where to download them from (if anywhere), and the arrays each file
must hold. ``None`` in a shape stands for the number of samples, which differs between the real
files and the synthetic stand-ins; every other dimension and the dtype kind are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

# Commands quoted in messages. The main CLI is ``python -m autograder``; ``python -m autograder.data``
# takes the same arguments without the leading ``data``.
DOWNLOAD_CMD = "python -m autograder data download {name}"
SYNTH_CMD = "python -m autograder data synth {name}"


@dataclass(frozen=True)
class ArraySpec:
    """One array inside a file: ``key`` (HDF5 dataset name or IDX/npy role), shape, dtype kind.

    ``shape`` uses ``None`` for the sample axis. ``kind`` is a numpy dtype kind: ``"u"``
    (unsigned integer, for uint8 images) or ``"iu"`` (any integer, for labels).
    """

    key: str
    shape: tuple[int | None, ...]
    kind: str
    itemsize: int | None = None  # e.g. 1 for uint8 images; None = any width


@dataclass(frozen=True)
class FileSpec:
    """One file of a data set, relative to the data set's directory.

    ``size``/``sha256``/``md5`` describe the file as stored on disk (after decompression for
    MNIST). ``urls`` are tried in order; when ``gzip`` is true the URL serves a gzip-compressed
    copy whose checksum is ``download_md5``/``download_sha256``.
    """

    name: str
    arrays: tuple[ArraySpec, ...] = ()
    urls: tuple[str, ...] = ()
    size: int | None = None
    sha256: str | None = None
    gzip: bool = False
    download_md5: str | None = None
    download_sha256: str | None = None


@dataclass(frozen=True)
class Dataset:
    """A registered data set.

    ``files``: the real on-disk layout (what ``download`` writes and loaders read).
    ``alt_files``: an alternative complete layout accepted by the loader (SIGNS' six .npy files).
    ``classes``: class names in label order. ``n_real``: samples in the real set (per split
    where that matters, see ``notes``). ``default_synth_n``: stand-in size used by ``locate``.
    ``manual``: how to obtain the files when there is no download URL.
    """

    name: str
    title: str
    files: tuple[FileSpec, ...]
    classes: tuple[str, ...]
    n_real: int
    default_synth_n: int
    source: str
    alt_files: tuple[FileSpec, ...] = ()
    manual: str | None = None
    notes: str = ""

    @property
    def downloadable(self) -> bool:
        return all(f.urls for f in self.files)

    def download_command(self) -> str:
        return DOWNLOAD_CMD.format(name=self.name)

    def synth_command(self) -> str:
        return SYNTH_CMD.format(name=self.name)


GALAXY10_CLASSES = (
    "Disk, Face-on, No Spiral",
    "Smooth, Completely round",
    "Smooth, in-between round",
    "Smooth, Cigar shaped",
    "Disk, Edge-on, Rounded Bulge",
    "Disk, Edge-on, Boxy Bulge",
    "Disk, Edge-on, No Bulge",
    "Disk, Face-on, Tight Spiral",
    "Disk, Face-on, Medium Spiral",
    "Disk, Face-on, Loose Spiral",
)

GALAXY10 = Dataset(
    name="galaxy10",
    title="Galaxy10 SDSS",
    files=(
        FileSpec(
            name="Galaxy10.h5",
            arrays=(
                ArraySpec("images", (None, 69, 69, 3), "u", 1),
                ArraySpec("ans", (None,), "iu"),
            ),
            urls=(
                "https://zenodo.org/records/10844811/files/Galaxy10.h5",
                "http://www.astro.utoronto.ca/~bovy/Galaxy10/Galaxy10.h5",
            ),
            size=210_234_548,
            sha256="969a6b1cefcc36e09fffa86febd2f699a4aa19b837ba0427f01b0bc6ded458af",
        ),
    ),
    classes=GALAXY10_CLASSES,
    n_real=21785,
    default_synth_n=5000,
    source="astroNN Galaxy10 SDSS (Zenodo record 10844811; historical utoronto.ca URL)",
    notes="channels are an SDSS g, r, i colour composite; labels 0..9 in the order of `classes`",
)

SIGNS_TRAIN = FileSpec(
    name="train_signs.h5",
    arrays=(
        ArraySpec("train_set_x", (None, 64, 64, 3), "u", 1),
        ArraySpec("train_set_y", (None,), "iu"),
        ArraySpec("list_classes", (6,), "iu"),
    ),
)
SIGNS_TEST = FileSpec(
    name="test_signs.h5",
    arrays=(
        ArraySpec("test_set_x", (None, 64, 64, 3), "u", 1),
        ArraySpec("test_set_y", (None,), "iu"),
    ),
)
# The six-file variant: one .npy per array and split, named after the HDF5 keys. Train and val
# together form the 1080-image training file (loaders concatenate train then val).
SIGNS_NPY = tuple(
    FileSpec(
        name=f"{split}_set_{part}.npy",
        arrays=(ArraySpec(f"{split}_set_{part}", (None, 64, 64, 3) if part == "x" else (None,),
                          "u" if part == "x" else "iu", 1 if part == "x" else None),),
    )
    for split in ("train", "val", "test")
    for part in ("x", "y")
)

SIGNS = Dataset(
    name="signs",
    title="SIGNS (hand signs 0-5)",
    files=(SIGNS_TRAIN, SIGNS_TEST),
    alt_files=SIGNS_NPY,
    classes=("0", "1", "2", "3", "4", "5"),
    n_real=1200,
    default_synth_n=1080,
    source="the SIGNS hand-sign set distributed with deep-learning courses (no official URL)",
    manual=(
        "there is no official download: copy train_signs.h5 and test_signs.h5 (or the six files "
        + ", ".join(f.name for f in SIGNS_NPY)
        + ") from your course materials into {dir}"
    ),
    notes="train 1080 images, test 120; the course splits train into 960 train / 120 validation",
)

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


def _mnist_file(stem: str, n: int, images: bool, md5: str) -> FileSpec:
    header = 16 if images else 8
    return FileSpec(
        name=f"MNIST/raw/{stem}",
        arrays=(ArraySpec("images", (None, 28, 28), "u", 1) if images else ArraySpec("labels", (None,), "u", 1),),
        urls=tuple(m + stem + ".gz" for m in MNIST_MIRRORS),
        size=header + n * (784 if images else 1),
        gzip=True,
        download_md5=md5,  # torchvision.datasets.MNIST.resources
    )


MNIST = Dataset(
    name="mnist",
    title="MNIST",
    files=(
        _mnist_file("train-images-idx3-ubyte", 60000, True, "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        _mnist_file("train-labels-idx1-ubyte", 60000, False, "d53e105ee54ea40749a09fcbcd1e9432"),
        _mnist_file("t10k-images-idx3-ubyte", 10000, True, "9fb629c4189551a2d022fa330f9573f3"),
        _mnist_file("t10k-labels-idx1-ubyte", 10000, False, "ec29112dd5afa0611ce80d1b7f02629c"),
    ),
    classes=tuple(str(d) for d in range(10)),
    n_real=70000,
    default_synth_n=1500,
    source="torchvision's MNIST mirrors (raw IDX files, gzip-compressed)",
    notes="directory is a torchvision root: torchvision.datasets.MNIST(root, download=False)",
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (GALAXY10, SIGNS, MNIST)}


def get(name: str) -> Dataset:
    """Return the registered data set ``name``; ``ValueError`` naming the known ones otherwise."""
    try:
        return DATASETS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}") from None
