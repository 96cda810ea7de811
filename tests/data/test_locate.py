"""``locate``: real data first, else a cached stand-in (built once), with one line saying so."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from autograder.data import DataCorruptError, DataMissingError, load_galaxy10, locate, registry, synth


def test_missing_real_data_raises_with_the_cache_path(private_cache):
    with pytest.raises(DataMissingError) as e:
        locate("galaxy10")
    assert str(private_cache / "galaxy10" / "Galaxy10.h5") in str(e.value)
    assert not (private_cache / "synthetic").exists()  # nothing was built behind the user's back


def test_synthetic_ok_builds_the_default_stand_in_once(private_cache, small_defaults, capsys):
    path = locate("galaxy10", synthetic_ok=True)
    assert path == private_cache / "synthetic" / "galaxy10" / "Galaxy10.h5"
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "synthetic stand-in" in out and "data download galaxy10" in out
    x, y = load_galaxy10(path)
    assert len(x) == small_defaults["galaxy10"]
    assert json.loads((path.parent / synth.META).read_text())["seed"] == 0
    stamp = path.stat().st_mtime_ns
    assert locate("galaxy10", synthetic_ok=True) == path
    assert path.stat().st_mtime_ns == stamp  # reused, not rebuilt


def test_outdated_stand_in_is_rebuilt(private_cache, small_defaults, monkeypatch):
    path = locate("signs", synthetic_ok=True, quiet=True)
    monkeypatch.setitem(synth.VERSIONS, "signs", synth.VERSIONS["signs"] + 1)
    stamp = (path / "train_signs.h5").stat().st_mtime_ns
    assert locate("signs", synthetic_ok=True, quiet=True) == path
    assert (path / "train_signs.h5").stat().st_mtime_ns != stamp
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # build dir cleaned up


def test_real_data_wins_over_the_stand_in(private_cache, monkeypatch):
    real = private_cache / "galaxy10" / "Galaxy10.h5"
    real.parent.mkdir(parents=True)
    real.write_bytes(b"x" * 100)
    ds = registry.DATASETS["galaxy10"]
    monkeypatch.setitem(registry.DATASETS, "galaxy10",
                        dataclasses.replace(ds, files=(dataclasses.replace(ds.files[0], size=100),)))
    assert locate("galaxy10", synthetic_ok=True) == real


def test_truncated_real_file_is_reported_not_silently_replaced(private_cache):
    real = private_cache / "galaxy10" / "Galaxy10.h5"
    real.parent.mkdir(parents=True)
    real.write_bytes(b"x" * 1000)
    with pytest.raises(DataCorruptError, match="1000 bytes, expected 210234548"):
        locate("galaxy10", synthetic_ok=True)


def test_signs_and_mnist_locations_are_what_the_loaders_take(private_cache, small_defaults):
    from autograder.data import load_mnist, load_signs

    signs_dir = locate("signs", synthetic_ok=True, quiet=True)
    assert signs_dir.is_dir() and load_signs(signs_dir)[0].shape == (36, 64, 64, 3)
    root = locate("mnist", synthetic_ok=True, quiet=True)
    assert len(load_mnist(root, train=True)) == 100


def test_force_synthetic_ignores_real_data(private_cache, small_defaults):
    real_dir = private_cache / "signs"
    real_dir.mkdir(parents=True)
    for split in ("train", "val", "test"):
        np.save(real_dir / f"{split}_set_x.npy", np.zeros((6, 64, 64, 3), np.uint8))
        np.save(real_dir / f"{split}_set_y.npy", np.arange(6))
    assert locate("signs") == real_dir
    assert locate("signs", synthetic=True, quiet=True) == private_cache / "synthetic" / "signs"
