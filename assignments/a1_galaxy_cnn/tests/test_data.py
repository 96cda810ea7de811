"""Task 2: loading Galaxy10, the stratified split, per-channel statistics, normalized DataLoaders."""
import h5py
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder import expect

pytestmark = pytest.mark.task("2", "data preparation")

label_lists = st.lists(st.integers(0, 9), min_size=20, max_size=100)


@pytest.fixture(scope="module")
def ready(submission, helpers):
    helpers.implemented(lambda: submission.split_indices(torch.arange(20) % 2))


def as_index_tensor(value, name: str) -> torch.Tensor:
    t = expect.tensor(value, name)
    if t.dtype != torch.int64 or t.ndim != 1:
        raise AssertionError(f"{name} should be a 1-D int64 tensor, got dtype {t.dtype} and shape {tuple(t.shape)}")
    return t


def get_split(submission, labels: torch.Tensor, **kwargs) -> tuple[torch.Tensor, ...]:
    result = submission.split_indices(labels, **kwargs)
    if not (isinstance(result, tuple) and len(result) == 3):
        raise AssertionError(f"split_indices should return a tuple (train_idx, val_idx, test_idx), got {type(result).__name__}")
    return tuple(as_index_tensor(t, name) for t, name in zip(result, ("train_idx", "val_idx", "test_idx")))


@pytest.mark.points(2)
def test_load_shapes_dtypes_and_scale(submission, galaxy_file):
    """Images come back as float32 (N, 3, 69, 69) in [0, 1], labels as int64 (N,)."""
    with h5py.File(galaxy_file, "r") as f:
        raw_images, raw_labels = f["images"][()], f["ans"][()]
    images, labels = submission.load_galaxy10_images(galaxy_file)
    n = len(raw_labels)
    expect.tensor(images, "images", shape=(n, 3, 69, 69))
    if images.dtype != torch.float32:
        expect._fail(f"images has dtype {images.dtype}, expected torch.float32",
                     "the uint8 pixels were not converted: .to(torch.float32) / 255" if images.dtype == torch.uint8 else None)
    expect.tensor(labels, "labels", shape=(n,))
    if labels.dtype != torch.int64:
        expect._fail(f"labels has dtype {labels.dtype}, expected torch.int64",
                     "the file's labels are uint8: convert them with .to(torch.int64) (cross-entropy needs int64 labels)"
                     if torch.equal(labels.double(), torch.from_numpy(raw_labels.astype(np.float64))) else None)
    expected = torch.from_numpy(raw_images.transpose(0, 3, 1, 2).astype(np.float32) / 255)
    raw = torch.from_numpy(raw_images.astype(np.float32))
    expect.close_diagnosed(images, expected, "images", atol=1e-6, suspects=(
        ("reshape/view does not move the channel axis, it reinterprets the memory: use permute(0, 3, 1, 2)",
         lambda: raw.reshape(n, 3, 69, 69) / 255),
        ("height and width are swapped: permute(0, 3, 1, 2) keeps (N, C, H, W)", lambda: expected.transpose(2, 3)),
        ("the pixel values are not divided by 255", lambda: expected * 255),
    ), advice="the file stores (N, H, W, C) uint8: put the channel axis second and divide by 255")
    expect.close(labels, torch.from_numpy(raw_labels.astype(np.int64)), "labels", atol=0)


@pytest.mark.points(2)
@given(labels=label_lists, seed=st.integers(0, 1000))
def test_split_is_disjoint_and_complete(submission, ready, labels, seed):
    """Training, validation and test indices are disjoint and together hold every index once."""
    train, val, test = get_split(submission, torch.tensor(labels), seed=seed)
    named = {"training": train, "validation": val, "test": test}
    problems = []  # most telling first; one assertion, so hypothesis reports one failure
    for a, b in (("validation", "test"), ("training", "validation"), ("training", "test")):
        both = sorted(set(named[a].tolist()) & set(named[b].tolist()))
        if both:
            problems.append(f"{a} and {b} indices overlap: {len(both)} indices are in both (e.g. {both[0]})")
    for name, idx in named.items():
        if len(set(idx.tolist())) != len(idx):
            problems.append(f"the {name} indices contain duplicates")
    everything = set(range(len(labels)))
    union = set(train.tolist()) | set(val.tolist()) | set(test.tolist())
    if union - everything:
        problems.append(f"indices out of range: {sorted(union - everything)[:3]}")
    if everything - union:
        problems.append(f"{len(everything - union)} indices are in no split (e.g. {min(everything - union)})")
    if problems:
        cause = None
        if problems[0].startswith("validation and test indices overlap"):
            cause = "the validation and test parts are cut from overlapping ranges of each class's permutation"
        elif problems[0].startswith("training and"):
            cause = "the training part overlaps another part: it is what remains after the validation and test parts"
        expect._fail("; ".join(problems) + ": every image must be in exactly one split", cause)


@pytest.mark.points(2)
@given(labels=label_lists, seed=st.integers(0, 1000))
def test_split_is_stratified(submission, ready, labels, seed):
    """Each class sends about 10% of its images to validation and 10% to test."""
    labels = torch.tensor(labels)
    train, val, test = get_split(submission, labels, seed=seed)
    for c in torch.unique(labels).tolist():
        n_c = int((labels == c).sum())
        for name, idx in (("validation", val), ("test", test)):
            got = int((labels[idx] == c).sum())
            if abs(got - 0.1 * n_c) > 1:
                overall = all(abs(len(part) - 0.1 * len(labels)) <= 1 for part in (val, test))
                expect._fail(f"class {c} has {n_c} images and {got} of them in the {name} split, expected "
                             f"about {0.1 * n_c:g} (10%)" + ("" if overall else ": split each class on its own (stratify)"),
                             f"each split holds about 10% of all {len(labels)} images but not of each class: the "
                             "split is drawn over all images at once; split each class on its own" if overall else None)


@pytest.mark.points(1)
def test_split_is_seeded(submission):
    """The same seed gives the same split; another seed a different one."""
    labels = torch.arange(200) % 4
    first = get_split(submission, labels, seed=0)
    again = get_split(submission, labels, seed=0)
    other = get_split(submission, labels, seed=1)
    for a, b, name in zip(first, again, ("train_idx", "val_idx", "test_idx")):
        if not torch.equal(a, b):
            expect._fail(f"two calls with seed=0 gave different {name}", "the permutation is not drawn from a "
                         "generator seeded with the seed: use torch.Generator().manual_seed(seed)")
    if set(first[1].tolist()) == set(other[1].tolist()):
        same = all(torch.equal(a, b) for a, b in zip(first, other))
        in_order = all(torch.equal(part, part.sort().values) for part in first)
        expect._fail("seeds 0 and 1 gave the same validation set",
                     None if not same else "the split is not random: every part is in index order; shuffle each class "
                     "with torch.randperm(n_c, generator=generator)" if in_order else
                     "the seed argument is not used: seeds 0 and 1 give exactly the same split")


@pytest.mark.points(1)
def test_channel_stats(submission):
    """mean[c] and std[c] are taken over all pixels of channel c."""
    g = torch.Generator().manual_seed(0)
    images = torch.rand(20, 3, 10, 12, generator=g) * torch.tensor([1.0, 2.0, 4.0])[:, None, None] + torch.tensor([0.0, 1.0, -3.0])[:, None, None]
    # Images of different brightness: the std over all pixels then differs from the mean of per-image stds.
    images = images + torch.randn(20, 1, 1, 1, generator=g)
    mean, std = submission.channel_stats(images)
    flat = images.transpose(0, 1).reshape(3, -1).double()
    expect.tensor(mean, "mean", shape=(3,))
    expect.tensor(std, "std", shape=(3,))
    swapped = ("mean and std are returned in the wrong order: return (mean, std)", lambda: flat.std(dim=1))
    expect.close_diagnosed(mean, flat.mean(dim=1), "mean", atol=1e-5, suspects=(swapped,),
                           advice="average over dimensions 0, 2 and 3 (all but the channel)")
    # rtol 1e-3 accepts either std (divisor n or n - 1: 2,400 values per channel differ by 2e-4).
    expect.close_diagnosed(std, flat.std(dim=1), "std", atol=1e-3, rtol=1e-3, suspects=(
        ("the std is the average of per-image standard deviations: take it over all pixels of the channel at once "
         "(dimensions 0, 2 and 3)", lambda: images.double().std(dim=(2, 3)).mean(dim=0)),
        ("the std is that of the per-image means: take it over all pixels of the channel at once (dimensions 0, 2 and 3)",
         lambda: images.double().mean(dim=(2, 3)).std(dim=0)),
    ), advice="standard deviation over dimensions 0, 2 and 3")
    for value, name in ((mean, "mean"), (std, "std")):
        if value.dtype != torch.float32:
            expect._fail(f"{name} has dtype {value.dtype}, expected torch.float32",
                         "it is computed in float64 and not converted back: return .to(torch.float32)"
                         if value.dtype == torch.float64 else None)


def crafted_split():
    """60 images of 3 x 8 x 8 whose brightness depends on the split: 40 train, 10 validation, 10 test."""
    g = torch.Generator().manual_seed(3)
    n = 60
    order = torch.randperm(n, generator=g)
    train_idx, val_idx, test_idx = order[:40], order[40:50], order[50:]
    level = torch.zeros(n)
    level[train_idx], level[val_idx], level[test_idx] = 0.2, 0.5, 0.9
    scale = torch.tensor([1.0, 0.5, 2.0])[None, :, None, None]
    images = (level[:, None, None, None] + 0.1 * torch.randn(n, 3, 8, 8, generator=g)) * scale
    labels = torch.arange(n) % 10
    return images, labels, (train_idx, val_idx, test_idx)


def stats(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    flat = images.transpose(0, 1).reshape(images.shape[1], -1).double()
    return flat.mean(dim=1), flat.std(dim=1)


@pytest.mark.points(3)
def test_loaders_normalize_with_training_statistics(submission):
    """Normalize uses the mean and std of the training images only: normalized training data has mean 0, std 1."""
    images, labels, splits = crafted_split()
    result = submission.make_loaders(images, labels, splits, batch_size=8)
    if not (isinstance(result, tuple) and len(result) == 4):
        raise AssertionError("make_loaders should return (train_loader, val_loader, test_loader, normalize)")
    normalize = result[3]
    if not (hasattr(normalize, "mean") and hasattr(normalize, "std")):
        raise AssertionError("the fourth value returned should be the torchvision.transforms.Normalize you applied")
    used_mean = torch.as_tensor(normalize.mean, dtype=torch.float64).flatten()
    train_mean, train_std = stats(images[splits[0]])
    if used_mean.shape == train_mean.shape and not torch.allclose(used_mean, train_mean, atol=1e-4):
        for name, part in (("all images", images), ("the test split", images[splits[2]]),
                           ("the validation split", images[splits[1]])):
            if torch.allclose(used_mean, stats(part)[0], atol=1e-4):
                expect._fail(f"Normalize uses the mean of {name}, expected the mean of the training split "
                             f"{[round(v, 4) for v in train_mean.tolist()]}",
                             f"the statistics are computed on {name}: compute them on images[train_idx] only "
                             "(the validation and test splits stand for unseen data)")
    advice = "compute channel_stats(images[train_idx]): the training split only"
    expect.close_diagnosed(used_mean, train_mean, "Normalize mean", atol=1e-4, advice=advice)
    expect.close_diagnosed(torch.as_tensor(normalize.std, dtype=torch.float64).flatten(), train_std, "Normalize std",
                           rtol=1e-3, advice=advice)
    train_x = result[0].dataset.tensors[0]
    mean, std = stats(train_x)
    expect.close_diagnosed(mean, torch.zeros(3), "per-channel mean of the normalized training images", atol=1e-3,
                           advice="normalize every split with the training statistics")
    expect.close(std, torch.ones(3), "per-channel std of the normalized training images", atol=1e-2)


@pytest.mark.points(2)
def test_loaders_hold_each_split_in_order(submission):
    """Each split is a TensorDataset of (normalized images, labels) in index order; only training shuffles."""
    images, labels, splits = crafted_split()
    train_loader, val_loader, test_loader, _ = submission.make_loaders(images, labels, splits, batch_size=8)
    mean, std = stats(images[splits[0]])
    for name, loader, idx in (("train", train_loader, splits[0]), ("val", val_loader, splits[1]),
                              ("test", test_loader, splits[2])):
        if loader.batch_size != 8:
            raise AssertionError(f"{name}_loader has batch_size {loader.batch_size}, expected 8 (the argument)")
        x, y = loader.dataset.tensors
        expected = (images[idx].double() - mean[None, :, None, None]) / std[None, :, None, None]
        own_mean, own_std = stats(images[idx])
        expect.close_diagnosed(x, expected, f"{name}_loader.dataset.tensors[0]", atol=2e-3, suspects=(
            (f"the {name} split is not normalized: apply the same normalize to every split", images[idx]),
            (f"the {name} split is normalized with its own statistics: use the training split's for every split",
             lambda: (images[idx].double() - own_mean[None, :, None, None]) / own_std[None, :, None, None]),
        ), advice=f"TensorDataset(normalize(images[{name}_idx]), labels[{name}_idx]), in the order of {name}_idx")
        expect.close(y, labels[idx], f"{name}_loader.dataset.tensors[1]", atol=0)
    for name, loader, idx in (("val", val_loader, splits[1]), ("test", test_loader, splits[2])):
        seen = torch.cat([y for _, y in loader])
        if not torch.equal(seen, labels[idx]):
            expect._fail(f"{name}_loader yields its samples in another order than {name}_idx",
                         f"the {name} loader shuffles: only the training loader shuffles"
                         if sorted(seen.tolist()) == sorted(labels[idx].tolist()) else None)
    first = torch.cat([y for _, y in train_loader])
    second = torch.cat([y for _, y in train_loader])
    if sorted(first.tolist()) != sorted(labels[splits[0]].tolist()):
        raise AssertionError("one pass over train_loader should yield every training sample once")
    if torch.equal(first, second) and torch.equal(first, labels[splits[0]]):
        expect._fail("train_loader yields the training samples in index order, twice",
                     "the training loader does not shuffle: pass shuffle=True (with a seeded generator)")
    # The shuffling is seeded: fresh loaders with the same seed give the same order, another seed another.
    order = {}
    for tag, seed in (("seed 0", 0), ("seed 0 again", 0), ("seed 1", 1)):
        loader = submission.make_loaders(images, labels, splits, batch_size=8, seed=seed)[0]
        order[tag] = torch.cat([y for _, y in loader])
    if not torch.equal(order["seed 0"], order["seed 0 again"]):
        expect._fail("two training loaders made with seed=0 yield their first epoch in different orders",
                     "the training loader's shuffling does not use a generator seeded with seed: "
                     "DataLoader(..., shuffle=True, generator=torch.Generator().manual_seed(seed))")
    if torch.equal(order["seed 0"], order["seed 1"]):
        expect._fail("training loaders made with seeds 0 and 1 yield their first epoch in the same order",
                     "the seed argument does not reach the training loader's generator")


