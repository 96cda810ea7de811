"""Stand-ins: real on-disk schema, deterministic per seed, plausible content, no network."""

from __future__ import annotations

import hashlib
import socket

import h5py
import numpy as np
import pytest

from autograder.data import GALAXY10_CLASSES, load_galaxy10, synthesize
from autograder.data.cli import main as cli_main
from autograder.data.synth_galaxy10 import REAL_PROPORTIONS, class_counts, make_galaxy10
from autograder.data.synth_signs import make_signs



def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_digests(root) -> dict:
    return {str(p.relative_to(root)): digest(p) for p in sorted(root.rglob("*")) if p.is_file()}


# ---- determinism -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, n", [("galaxy10", 40), ("signs", 24), ("mnist", 30)])
def test_same_seed_gives_the_same_bytes(tmp_path, name, n):
    synthesize(name, tmp_path / "a", n=n, seed=5)
    synthesize(name, tmp_path / "b", n=n, seed=5)
    a, b = tree_digests(tmp_path / "a"), tree_digests(tmp_path / "b")
    assert len(a) >= 2 and a == b


@pytest.mark.parametrize("name, n", [("galaxy10", 40), ("signs", 24), ("mnist", 30)])
def test_different_seeds_give_different_data(tmp_path, name, n):
    synthesize(name, tmp_path / "a", n=n, seed=1)
    synthesize(name, tmp_path / "b", n=n, seed=2)
    a, b = tree_digests(tmp_path / "a"), tree_digests(tmp_path / "b")
    data_files = [k for k in a if not k.endswith(".json") and "labels" not in k]
    assert data_files and all(a[k] != b[k] for k in data_files)


@pytest.mark.parametrize("name, n", [("galaxy10", 40), ("signs", 24), ("mnist", 30)])
def test_stand_in_files_are_readable_by_other_users(tmp_path, name, n):
    """A sandboxed grading child runs as a user of its own: the files cannot be owner-only."""
    import os

    umask = os.umask(0o022)
    try:
        synthesize(name, tmp_path, n=n, seed=0)
    finally:
        os.umask(umask)
    modes = {str(p.relative_to(tmp_path)): p.stat().st_mode & 0o777 for p in tmp_path.rglob("*") if p.is_file()}
    assert modes and all(mode == 0o644 for mode in modes.values()), modes


# ---- Galaxy10 --------------------------------------------------------------------------------

def test_galaxy10_stand_in_has_the_real_schema(galaxy_standin):
    assert galaxy_standin.name == "Galaxy10.h5"
    with h5py.File(galaxy_standin, "r") as f:
        assert sorted(f.keys()) == ["ans", "images"]
        assert f["images"].dtype == np.uint8 and f["images"].shape == (200, 69, 69, 3)
        assert f["ans"].shape == (200,) and f["ans"].dtype.kind in "iu"


def test_galaxy10_class_imbalance_follows_the_real_proportions():
    counts = class_counts(5000)
    assert counts.sum() == 5000
    assert np.argmax(counts) == 1 and np.argmin(counts) == 5  # like the real set
    real_order = np.argsort(-REAL_PROPORTIONS, kind="stable")
    assert np.all(np.diff(counts[real_order]) <= 0)
    np.testing.assert_allclose(counts / 5000, REAL_PROPORTIONS / REAL_PROPORTIONS.sum(), atol=0.01)


@pytest.mark.parametrize("n", [10, 37, 100, 1000])
def test_galaxy10_every_class_is_present_even_for_small_n(n):
    counts = class_counts(n)
    assert counts.sum() == n and counts.min() >= max(1, int(np.ceil(0.005 * n)))
    _, labels = make_galaxy10(n, 0) if n <= 100 else (None, np.repeat(np.arange(10), counts))
    np.testing.assert_array_equal(np.bincount(labels, minlength=10), counts)


def test_galaxy10_rejects_fewer_than_ten_images():
    with pytest.raises(ValueError, match="at least 10"):
        class_counts(9)


def test_galaxy10_class_names_are_the_real_ones():
    assert GALAXY10_CLASSES[1] == "Smooth, Completely round" and GALAXY10_CLASSES[6] == "Disk, Edge-on, No Bulge"


def _axis_ratio(images: np.ndarray) -> np.ndarray:
    """Axis ratio from the second moments of the bright central light (1 = round)."""
    g = images.astype(np.float32).mean(-1)
    g -= np.median(g.reshape(len(g), -1), axis=1)[:, None, None]
    c = g[:, 19:50, 19:50]
    w = np.clip(c - 0.5 * c.max((1, 2), keepdims=True), 0, None)
    yy, xx = np.mgrid[0:31, 0:31]
    tot = w.sum((1, 2))
    mx, my = (w * xx).sum((1, 2)) / tot, (w * yy).sum((1, 2)) / tot
    dx, dy = xx - mx[:, None, None], yy - my[:, None, None]
    sxx, syy, sxy = ((w * dx * dx).sum((1, 2)) / tot, (w * dy * dy).sum((1, 2)) / tot, (w * dx * dy).sum((1, 2)) / tot)
    half_tr, det = (sxx + syy) / 2, sxx * syy - sxy ** 2
    d = np.sqrt(np.maximum(half_tr ** 2 - det, 0))
    return np.sqrt((half_tr - d) / (half_tr + d))


def test_galaxy10_shapes_follow_the_class_names():
    """Round > in-between > cigar in measured axis ratio, and edge-on disks are the flattest."""
    images, labels = make_galaxy10(1000, 0)
    q = _axis_ratio(images)
    med = {k: float(np.median(q[labels == k])) for k in range(10)}
    assert med[1] > med[2] + 0.1 > med[3] + 0.2, med
    assert max(med[4], med[5], med[6]) < 0.55 and med[6] < med[1] - 0.4, med


def test_galaxy10_spiral_arms_are_bluer_than_smooth_galaxies():
    images, labels = make_galaxy10(1000, 0)
    x = images.astype(np.float32)
    bright = x.mean(-1) > 60
    blue_red = np.array([(x[i][bright[i]][:, 2] - x[i][bright[i]][:, 0]).mean() for i in range(len(x))])
    spiral, smooth = np.isin(labels, [7, 8, 9]), np.isin(labels, [1, 2, 3])
    assert np.nanmean(blue_red[spiral]) > np.nanmean(blue_red[smooth]) + 5


def test_galaxy10_stand_in_is_loaded_like_the_real_file(galaxy_standin):
    x, y = load_galaxy10(galaxy_standin)
    assert x.shape[1:] == (69, 69, 3) and 20 < x.mean() < 120 and x.std() > 10  # not blank, not saturated


# ---- SIGNS -----------------------------------------------------------------------------------

def test_signs_stand_in_has_the_real_keys_and_shapes(signs_standin):
    with h5py.File(signs_standin / "train_signs.h5", "r") as f:
        assert sorted(f.keys()) == ["list_classes", "train_set_x", "train_set_y"]
        assert f["train_set_x"].shape == (60, 64, 64, 3) and f["train_set_x"].dtype == np.uint8
        assert f["train_set_y"].shape == (60,)
        np.testing.assert_array_equal(f["list_classes"][()], np.arange(6))
    with h5py.File(signs_standin / "test_signs.h5", "r") as f:
        assert {"test_set_x", "test_set_y"} <= set(f.keys())
        assert f["test_set_x"].shape == (6, 64, 64, 3) and f["test_set_x"].dtype == np.uint8


def test_signs_default_sizes_are_the_real_ones(tmp_path, monkeypatch):
    import autograder.data.synth_signs as s

    sizes = []
    monkeypatch.setattr(s, "make_signs", lambda n, seed, stream: (sizes.append(n), (np.zeros((n, 64, 64, 3), np.uint8), np.arange(n) % 6))[1])
    synthesize("signs", tmp_path)
    assert sizes == [1080, 120]


@pytest.mark.parametrize("n", [6, 60, 61])
def test_signs_classes_are_balanced(n):
    _, y = make_signs(n, 0)
    counts = np.bincount(y, minlength=6)
    assert counts.sum() == n and counts.max() - counts.min() <= 1


def test_signs_finger_count_is_learnable():
    """A tiny CNN trained for a few seconds beats chance (1/6) clearly on held-out images."""
    import torch
    from torch import nn

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two shared cores: more threads only contend
    try:
        acc = _train_tiny_cnn(torch, nn)
    finally:
        torch.set_num_threads(threads)
    assert acc > 0.3, acc


def _train_tiny_cnn(torch, nn) -> float:
    torch.manual_seed(0)
    x, y = make_signs(480, 3)
    x = torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255
    x = nn.functional.avg_pool2d((x - x.mean((0, 2, 3), keepdim=True)) / x.std((0, 2, 3), keepdim=True), 2)
    y = torch.from_numpy(y)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1),
                          nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(256, 6))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    for _ in range(15):
        perm = torch.randperm(360)
        for i in range(0, 360, 32):
            b = perm[i:i + 32]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[b]), y[b]).backward()
            opt.step()
    with torch.no_grad():
        return (model(x[360:]).argmax(1) == y[360:]).float().mean().item()


# ---- MNIST -----------------------------------------------------------------------------------

def test_mnist_stand_in_looks_like_mnist(mnist_standin):
    from autograder.data import load_mnist_arrays

    x, y = load_mnist_arrays(mnist_standin, train=True)
    assert x.shape == (120, 28, 28) and x.dtype == np.uint8
    assert set(np.unique(y)) == set(range(10))
    border = np.concatenate([x[:, :2].ravel(), x[:, -2:].ravel(), x[:, :, :2].ravel(), x[:, :, -2:].ravel()])
    assert border.mean() < 2 and x.max() == 255  # dark frame, saturated strokes


def test_mnist_more_samples_than_digits_are_jittered_copies(tmp_path):
    from autograder.data import load_mnist_arrays

    root = synthesize("mnist", tmp_path, n=1600, seed=0)
    x, y = load_mnist_arrays(root, train=True)
    assert x.shape == (1600, 28, 28)
    assert len({row.tobytes() for row in x}) == 1600  # no exact duplicates
    assert load_mnist_arrays(root, train=False)[0].shape == (297, 28, 28)


# ---- no network --------------------------------------------------------------------------------

def test_guard_blocks_non_loopback_connections(network_guard):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s, pytest.raises(OSError, match="blocked"):
        s.connect(("192.0.2.1", 80))
    with pytest.raises(OSError, match="blocked"):
        socket.getaddrinfo("example.org", 443)
    assert network_guard == [("192.0.2.1", 80), "example.org"]


@pytest.mark.parametrize("name", ["galaxy10", "signs", "mnist"])
def test_synth_command_runs_with_the_network_blocked(tmp_path, network_guard, name):
    assert cli_main(["synth", name, "--n", "24", "--seed", "1", "--out", str(tmp_path / name)]) == 0
    assert network_guard == []
    assert any(p.is_file() for p in (tmp_path / name).rglob("*"))
