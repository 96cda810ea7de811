"""The registry holds the published facts, and the cache directory follows the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.data import cache, registry


def test_galaxy10_entry_matches_the_published_file():
    ds = registry.get("galaxy10")
    (f,) = ds.files
    assert f.name == "Galaxy10.h5"
    assert f.size == 210_234_548
    assert f.sha256 == "969a6b1cefcc36e09fffa86febd2f699a4aa19b837ba0427f01b0bc6ded458af"
    assert f.urls[0] == "https://zenodo.org/records/10844811/files/Galaxy10.h5"
    assert "utoronto.ca" in f.urls[1]
    shapes = {a.key: a.shape for a in f.arrays}
    assert shapes == {"images": (None, 69, 69, 3), "ans": (None,)}
    assert ds.n_real == 21785


def test_galaxy10_class_names_in_label_order():
    names = registry.GALAXY10_CLASSES
    assert len(names) == 10
    assert names[0] == "Disk, Face-on, No Spiral"
    assert names[3] == "Smooth, Cigar shaped"
    assert names[5] == "Disk, Edge-on, Boxy Bulge"
    assert names[9] == "Disk, Face-on, Loose Spiral"
    assert [n.split(",")[0] for n in names] == ["Disk"] + ["Smooth"] * 3 + ["Disk"] * 6


def test_signs_entry_has_no_url_and_names_both_layouts():
    ds = registry.get("signs")
    assert not ds.downloadable
    assert [f.name for f in ds.files] == ["train_signs.h5", "test_signs.h5"]
    assert sorted(f.name for f in ds.alt_files) == sorted(
        f"{s}_set_{p}.npy" for s in ("train", "val", "test") for p in ("x", "y"))
    keys = {a.key for f in ds.files for a in f.arrays}
    assert keys == {"train_set_x", "train_set_y", "list_classes", "test_set_x", "test_set_y"}


def test_mnist_checksums_agree_with_torchvision():
    import torchvision

    ours = {Path(f.name).name + ".gz": f.download_md5 for f in registry.get("mnist").files}
    assert ours == dict(torchvision.datasets.MNIST.resources)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="galaxy10, signs, mnist"):
        registry.get("cifar")


def test_cache_dir_from_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path / "x"))
    assert cache.data_dir() == tmp_path / "x"
    assert cache.synthetic_dir("signs") == tmp_path / "x" / "synthetic" / "signs"


def test_cache_dir_respects_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.delenv("DLCOURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.data_dir() == tmp_path / "xdg" / "dlcourse-data"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.data_dir() == tmp_path / "home" / ".cache" / "dlcourse-data"
