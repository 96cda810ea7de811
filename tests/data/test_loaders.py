"""Loaders read tiny real-format files built here and the stand-ins; bad files give one clear line."""

from __future__ import annotations

import struct

import h5py
import numpy as np
import pytest

from autograder.data import (DataCorruptError, DataMissingError, load_galaxy10, load_mnist, load_mnist_arrays,
                             load_signs)

RNG = np.random.default_rng(0)


def one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


# ---- Galaxy10 ------------------------------------------------------------------------------

def write_galaxy(path, n=12, image_shape=(69, 69, 3), image_dtype=np.uint8, labels=None, keys=("images", "ans")):
    images = RNG.integers(0, 256, (n, *image_shape)).astype(image_dtype)
    labels = np.arange(n) % 10 if labels is None else labels
    with h5py.File(path, "w") as f:
        if "images" in keys:
            f["images"] = images
        if "ans" in keys:
            f["ans"] = np.asarray(labels, dtype=np.uint8)
    return images, labels


def test_galaxy10_reads_a_real_format_file(tmp_path):
    images, labels = write_galaxy(tmp_path / "Galaxy10.h5")
    x, y = load_galaxy10(tmp_path / "Galaxy10.h5")
    assert x.dtype == np.uint8 and x.shape == (12, 69, 69, 3)
    assert y.dtype == np.int64 and y.shape == (12,)
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)
    x2, _ = load_galaxy10(tmp_path)  # a directory holding Galaxy10.h5 works too
    np.testing.assert_array_equal(x2, images)


def test_galaxy10_reads_its_stand_in(galaxy_standin):
    x, y = load_galaxy10(galaxy_standin)
    assert x.shape == (200, 69, 69, 3) and x.dtype == np.uint8
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))


@pytest.mark.parametrize("kwargs, expected", [
    ({"image_shape": (64, 64, 3)}, "'images' has shape (12, 64, 64, 3), expected (N, 69, 69, 3)"),
    ({"image_shape": (69, 69)}, "'images' has shape (12, 69, 69), expected (N, 69, 69, 3)"),
    ({"image_dtype": np.float32}, "'images' has dtype float32, expected uint8"),
    ({"keys": ("images",)}, "missing HDF5 dataset(s) ['ans']"),
    ({"labels": np.full(12, 10)}, "labels outside 0..9"),
    ({"labels": np.arange(11) % 10}, "'ans' has 11 labels for 12 images"),
])
def test_galaxy10_schema_mismatch_is_one_clear_error(tmp_path, kwargs, expected):
    write_galaxy(tmp_path / "Galaxy10.h5", **kwargs)
    with pytest.raises(DataCorruptError) as e:
        load_galaxy10(tmp_path / "Galaxy10.h5")
    msg = one_line(e)
    assert expected in msg
    assert str(tmp_path / "Galaxy10.h5") in msg and "data download galaxy10" in msg


@pytest.mark.parametrize("damage", ["truncated", "not_hdf5", "empty"])
def test_galaxy10_unreadable_file_is_one_clear_error(tmp_path, damage):
    path = tmp_path / "Galaxy10.h5"
    write_galaxy(path)
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "not_hdf5": b"<html>not found</html>", "empty": b""}[damage])
    with pytest.raises(DataCorruptError) as e:
        load_galaxy10(path)
    msg = one_line(e)
    assert "not a readable HDF5 file" in msg and "Delete it" in msg


def test_galaxy10_missing_file_says_where_and_how(tmp_path):
    with pytest.raises(DataMissingError) as e:
        load_galaxy10(tmp_path / "nowhere" / "Galaxy10.h5")
    msg = one_line(e)
    assert str(tmp_path / "nowhere" / "Galaxy10.h5") in msg
    assert "`python -m autograder data download galaxy10`" in msg
    assert "`python -m autograder data synth galaxy10`" in msg


def test_galaxy10_default_path_is_the_cache(private_cache):
    with pytest.raises(DataMissingError, match=str(private_cache / "galaxy10" / "Galaxy10.h5")):
        load_galaxy10()


# ---- SIGNS ---------------------------------------------------------------------------------

def write_signs_h5(d, n_train=12, n_test=6, classes=range(6), test_x_shape=(64, 64, 3)):
    tx = RNG.integers(0, 256, (n_train, 64, 64, 3), dtype=np.uint8)
    ty = np.arange(n_train) % 6
    vx = RNG.integers(0, 256, (n_test, *test_x_shape), dtype=np.uint8)
    vy = np.arange(n_test) % 6
    with h5py.File(d / "train_signs.h5", "w") as f:
        f["train_set_x"], f["train_set_y"], f["list_classes"] = tx, ty, np.asarray(list(classes))
    with h5py.File(d / "test_signs.h5", "w") as f:
        f["test_set_x"], f["test_set_y"], f["list_classes"] = vx, vy, np.asarray(list(classes))
    return tx, ty, vx, vy


def test_signs_reads_real_format_h5_files(tmp_path):
    tx, ty, vx, vy = write_signs_h5(tmp_path)
    a, b, c, d, classes = load_signs(tmp_path)
    for got, want in ((a, tx), (b, ty), (c, vx), (d, vy)):
        np.testing.assert_array_equal(got, want)
    assert a.dtype == np.uint8 and b.dtype == np.int64 and d.dtype == np.int64
    np.testing.assert_array_equal(classes, np.arange(6))


def test_signs_reads_the_six_npy_files(tmp_path):
    arrays = {}
    for split, n in (("train", 10), ("val", 4), ("test", 5)):
        arrays[split] = (RNG.integers(0, 256, (n, 64, 64, 3), dtype=np.uint8), np.arange(n) % 6)
        np.save(tmp_path / f"{split}_set_x.npy", arrays[split][0])
        np.save(tmp_path / f"{split}_set_y.npy", arrays[split][1])
    a, b, c, d, classes = load_signs(tmp_path)
    np.testing.assert_array_equal(a, np.concatenate([arrays["train"][0], arrays["val"][0]]))
    np.testing.assert_array_equal(b, np.concatenate([arrays["train"][1], arrays["val"][1]]))
    np.testing.assert_array_equal(c, arrays["test"][0])
    np.testing.assert_array_equal(d, arrays["test"][1])
    np.testing.assert_array_equal(classes, np.arange(6))


def test_signs_reads_its_stand_in(signs_standin):
    a, b, c, d, classes = load_signs(signs_standin)
    assert a.shape == (60, 64, 64, 3) and c.shape == (6, 64, 64, 3)
    np.testing.assert_array_equal(classes, np.arange(6))


@pytest.mark.parametrize("kwargs, expected", [
    ({"classes": range(1, 7)}, "'list_classes' is [1, 2, 3, 4, 5, 6]"),
    ({"classes": range(5)}, "'list_classes' has shape (5,), expected (6,)"),
    ({"test_x_shape": (32, 32, 3)}, "'test_set_x' has shape (6, 32, 32, 3)"),
])
def test_signs_schema_mismatch_is_one_clear_error(tmp_path, kwargs, expected):
    write_signs_h5(tmp_path, **kwargs)
    with pytest.raises(DataCorruptError) as e:
        load_signs(tmp_path)
    assert expected in one_line(e)


def test_signs_missing_files_say_where_and_how(tmp_path):
    (tmp_path / "train_signs.h5").write_bytes(b"")  # one of two files is not a complete layout
    with pytest.raises(DataMissingError) as e:
        load_signs(tmp_path)
    msg = one_line(e)
    assert str(tmp_path) in msg and "six .npy" in msg and "`python -m autograder data synth signs`" in msg


# ---- MNIST ---------------------------------------------------------------------------------

def write_idx_by_hand(path, array):
    """Independent IDX writer (struct), so the loader is not only checked against our own writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def write_mnist_raw(root, n=7):
    images = RNG.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    for prefix in ("train", "t10k"):
        write_idx_by_hand(root / "MNIST" / "raw" / f"{prefix}-images-idx3-ubyte", images)
        write_idx_by_hand(root / "MNIST" / "raw" / f"{prefix}-labels-idx1-ubyte", labels)
    return images, labels


def test_mnist_reads_real_format_idx_files(tmp_path):
    images, labels = write_mnist_raw(tmp_path)
    x, y = load_mnist_arrays(tmp_path, train=False)
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)
    ds = load_mnist(tmp_path, train=True)
    assert len(ds) == 7 and int(ds.targets[3]) == 3


def test_mnist_stand_in_is_read_by_torchvision(mnist_standin):
    import torchvision

    train = torchvision.datasets.MNIST(str(mnist_standin), train=True, download=False)
    test = torchvision.datasets.MNIST(str(mnist_standin), train=False, download=False)
    assert len(train) == 120 and len(test) == 297
    assert tuple(train.data.shape[1:]) == (28, 28)
    img, label = train[0]
    assert img.size == (28, 28) and 0 <= label <= 9


def test_mnist_truncated_idx_is_one_clear_error(tmp_path):
    write_mnist_raw(tmp_path)
    p = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    p.write_bytes(p.read_bytes()[:-100])
    with pytest.raises(DataCorruptError) as e:
        load_mnist(tmp_path, train=True)
    msg = one_line(e)
    assert str(p) in msg and "truncated" in msg


def test_mnist_wrong_image_size_is_one_clear_error(tmp_path):
    write_mnist_raw(tmp_path)
    write_idx_by_hand(tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte", np.zeros((7, 8, 8), np.uint8))
    with pytest.raises(DataCorruptError) as e:
        load_mnist_arrays(tmp_path)
    assert "'images' has shape (7, 8, 8), expected (N, 28, 28)" in one_line(e)


def test_mnist_missing_files_say_where_and_how(tmp_path):
    with pytest.raises(DataMissingError) as e:
        load_mnist(tmp_path)
    msg = one_line(e)
    assert "train-images-idx3-ubyte" in msg and "data download mnist" in msg and "data synth mnist" in msg
