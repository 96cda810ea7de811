"""Task 3: the SIGNS split and the Dataset that turns uint8 HWC arrays into float32 CHW tensors."""
import numpy as np
import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from autograder import expect

torch.set_num_threads(1)  # tiny tensors: threads only add overhead, more so on a busy machine
# No "explain" phase: after a failure it re-runs the test many times under a line tracer, which
# costs seconds with torch and adds nothing to what students see (the smallest failing input).
fast_failure = settings(phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink))

pytestmark = pytest.mark.task("3", "SIGNS split and SignsDataset")


def _signs_like_labels(seed: int = 0) -> np.ndarray:
    """1080 labels, 180 per class, in random order (like the SIGNS training file)."""
    return np.random.default_rng(seed).permutation(np.arange(1080) % 6).astype(np.int64)


def _images(n: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, height, width, 3), dtype=np.uint8)


def _split(submission, labels, n_val, seed):
    out = submission.split_train_val(labels, n_val, seed)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise AssertionError(f"split_train_val should return a pair (train_idx, val_idx), got {type(out).__name__}")
    for name, a in zip(("train_idx", "val_idx"), out):
        if not isinstance(a, np.ndarray):
            raise AssertionError(f"{name} should be a numpy array, got {type(a).__module__}.{type(a).__name__}\n"
                                 f"likely cause: the indices are returned as a {type(a).__name__}: convert with "
                                 "np.asarray(..., dtype=np.int64)")
        if a.ndim != 1 or a.dtype != np.int64:
            cause = ""
            if a.ndim == 1 and a.dtype.kind == "f":
                cause = ("\nlikely cause: the indices were collected in a float array (np.array([]) and np.zeros "
                         "are float64): convert with .astype(np.int64)")
            raise AssertionError(f"{name} should be a 1-D int64 array, got shape {a.shape} and dtype {a.dtype}{cause}")
    return out


def _first_of_each_class(labels, n_val) -> np.ndarray:
    return np.sort(np.concatenate([np.flatnonzero(labels == c)[:n_val] for c in np.unique(labels)]))


@pytest.mark.points(1)
def test_split_sizes_disjoint_stratified(submission):
    """1080 SIGNS labels with 20 per class for validation: 960 / 120 indices, disjoint, sorted, 160 / 20 per class."""
    labels = _signs_like_labels()
    train, val = _split(submission, labels, 20, 0)
    if (len(train), len(val)) != (960, 120):
        cause = ""
        if len(val) == 120 and np.isin(val, train).all():
            cause = "\nlikely cause: train_idx still contains the validation indices: use the indices not in val_idx"
        raise AssertionError(f"split sizes are {len(train)} / {len(val)}, expected 960 / 120{cause}")
    if np.intersect1d(train, val).size or not np.array_equal(np.union1d(train, val), np.arange(1080)):
        raise AssertionError("train_idx and val_idx should be disjoint and together cover 0 .. 1079 exactly once")
    if not (np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)):
        cause = ""
        if len(np.unique(train)) == len(train) and len(np.unique(val)) == len(val):
            cause = "\nlikely cause: the indices are in the order they were drawn: np.sort them"
        raise AssertionError(f"train_idx and val_idx should be sorted (ascending, no repeats){cause}")
    per_class = np.bincount(labels[val], minlength=6)
    if not np.array_equal(per_class, np.full(6, 20)):
        raise AssertionError(f"validation images per class are {per_class.tolist()}, expected 20 each (stratified)\n"
                             "likely cause: the 120 validation indices are drawn from all labels at once: draw "
                             "n_val_per_class indices from each class separately")


@pytest.mark.points(1)
def test_split_reproducible_and_checked(submission):
    """The same seed gives the same split, another seed another split; too few examples of a class raise ValueError."""
    labels = _signs_like_labels(1)
    a = _split(submission, labels, 20, 3)
    b = _split(submission, labels, 20, 3)
    c = _split(submission, labels, 20, 4)
    if not (np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])):
        raise AssertionError("two calls with seed 3 gave different splits\nlikely cause: the random generator is not "
                             "seeded with the argument: draw with np.random.default_rng(seed)")
    if np.array_equal(a[1], c[1]):
        cause = ("the first indices of each class are taken: draw them at random with rng.choice"
                 if np.array_equal(a[1], _first_of_each_class(labels, 20)) else
                 "the seed does not reach the draws: np.random.default_rng(seed)")
        raise AssertionError(f"seeds 3 and 4 gave the same validation indices: the split should be random\n"
                             f"likely cause: {cause}")
    few = np.array([0, 0, 0, 1, 1, 1, 1])
    for n_val, what, cause in (
            (3, "3 validation examples for a class of 3", "a class with exactly n_val_per_class examples is let "
             "through (training would get none of it): raise when a class has n_val_per_class or fewer"),
            (-1, "n_val_per_class = -1", "a negative n_val_per_class is not checked")):
        try:
            submission.split_train_val(few, n_val, 0)
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as other:  # noqa: BLE001
            raise AssertionError(f"split_train_val with {what} should raise ValueError, but raised "
                                 f"{type(other).__name__}: {other}") from None
        raise AssertionError(f"split_train_val with {what} should raise ValueError, but nothing was raised\n"
                             f"likely cause: {cause}")


def _check_label(value, i: int, y: int) -> None:
    name = f"dataset[{i}][1] (the label)"
    if not isinstance(value, torch.Tensor):
        raise AssertionError(f"{name} should be a torch.Tensor, got {type(value).__module__}.{type(value).__name__}\n"
                             "likely cause: the label is returned as it is stored: torch.tensor(label, dtype=torch.int64)")
    if value.ndim == 1 and value.numel() == 1:
        raise AssertionError(f"{name} has shape {tuple(value.shape)}, expected () (a 0-dimensional tensor)\n"
                             "likely cause: the label is wrapped in a list or taken with a slice: torch.tensor(labels[i])")
    if value.dtype != torch.int64 and not value.dtype.is_floating_point:
        raise AssertionError(f"{name} has dtype {value.dtype}, expected torch.int64 (the labels passed in were int32)\n"
                             "likely cause: the label keeps the dtype of the labels passed in: convert to int64")
    expect.tensor(value, name, shape=(), dtype=torch.int64)
    expect.scalar_close(value.item(), y, f"dataset[{i}][1]", atol=0)


@pytest.mark.points(1)
def test_dataset_length_and_label(submission):
    """len(dataset) is N, dataset[i][1] is the label as a 0-d int64 tensor (also for int32 labels); bad shapes raise ValueError."""
    labels = np.array([3, 0, 5, 1, 4], dtype=np.int32)
    dataset = submission.SignsDataset(_images(5, 6, 4), labels)
    if not isinstance(dataset, torch.utils.data.Dataset):
        raise AssertionError(f"SignsDataset should subclass torch.utils.data.Dataset, got {type(dataset).__name__}\n"
                             "likely cause: the class has no base class: declare it as class SignsDataset(Dataset)")
    if len(dataset) == 3:
        raise AssertionError("len(SignsDataset of 5 images of 6 x 4 pixels) is 3, expected 5\nlikely cause: len() "
                             "counts the channels (the first axis of a channels-first stack): count the images")
    expect.scalar_close(len(dataset), 5, "len(SignsDataset of 5 images of 6 x 4 pixels)", atol=0)
    for i, y in enumerate(labels):
        item = dataset[i]
        if not (isinstance(item, tuple) and len(item) == 2):
            raise AssertionError(f"dataset[{i}] should be a pair (image, label), got {type(item).__name__}")
        _check_label(item[1], i, int(y))
    bad = [(_images(5, 6, 4).transpose(0, 3, 1, 2), labels, "images of shape (5, 3, 6, 4) (channels first)"),
           (_images(5, 6, 4)[0], labels[:1], "one image of shape (6, 4, 3) (not 4-D)"),
           (_images(5, 6, 4), labels[:4], "5 images and 4 labels")]
    for images, labels_, what in bad:
        try:
            submission.SignsDataset(images, labels_)
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as other:  # noqa: BLE001
            raise AssertionError(f"SignsDataset with {what} should raise ValueError, but raised "
                                 f"{type(other).__name__}: {other}") from None
        raise AssertionError(f"SignsDataset with {what} should raise ValueError, but nothing was raised\n"
                             "likely cause: __init__ does not check the shapes: raise ValueError unless images is "
                             "(N, H, W, 3) and there are N labels")


@pytest.mark.points(1)
def test_image_is_channels_first(submission):
    """dataset[i][0] has shape (3, H, W): channels first, as nn.Conv2d expects (here H = 6, W = 4)."""
    dataset = submission.SignsDataset(_images(2, 6, 4), np.array([0, 1]))
    image = dataset[0][0]
    expect.tensor(image, "dataset[0][0] (the image)")
    if tuple(image.shape) == (6, 4, 3):
        raise AssertionError("dataset[0][0] has shape (6, 4, 3) = (H, W, C), expected (3, 6, 4) = (C, H, W)\n"
                             "likely cause: the image is still height x width x channels: permute(2, 0, 1) it")
    expect.tensor(image, "dataset[0][0] (the image)", shape=(3, 6, 4))


@pytest.mark.points(1)
def test_image_is_float32(submission):
    """dataset[i][0] is float32, the dtype of the model's weights."""
    dataset = submission.SignsDataset(_images(2, 5, 5), np.array([0, 1]))
    image = expect.tensor(dataset[1][0], "dataset[1][0] (the image)")
    if image.dtype == torch.float64:
        raise AssertionError("dataset[1][0] has dtype torch.float64, expected torch.float32\n"
                             "likely cause: dividing a uint8 numpy array by 255.0 gives float64; convert to float32 "
                             "(a float64 batch makes nn.Conv2d fail: its weights are float32)")
    expect.tensor(image, "dataset[1][0] (the image)", dtype=torch.float32)


@pytest.mark.points(1)
def test_image_values(submission):
    """image[c, h, w] = images[i, h, w, c] / 255, so values lie in [0, 1]; the images may also be a uint8 tensor."""
    images = _images(3, 7, 5, seed=1)
    for kind, given in (("numpy array", images), ("torch tensor", torch.from_numpy(images.copy()))):
        dataset = submission.SignsDataset(given, np.array([2, 2, 2]))
        for i in range(3):
            name = f"dataset[{i}][0] (images given as a uint8 {kind})"
            try:
                item = dataset[i]
            except NotImplementedError:
                raise
            except Exception as error:  # noqa: BLE001
                if kind == "numpy array":
                    raise
                raise AssertionError(f"{name} raised {type(error).__name__}: {' '.join(str(error).split())[:150]}\n"
                                     "likely cause: SignsDataset works on numpy arrays only; the images may also be a "
                                     "tensor: convert them in __init__ (np.asarray or torch.as_tensor)") from None
            image = expect.tensor(item[0], name, shape=(3, 7, 5))
            pixels = torch.from_numpy(images[i].astype(np.float64))
            expected = pixels.permute(2, 0, 1) / 255
            expect.close_or_diagnose(image, expected, name, atol=1e-6, rtol=0, suspects=[
                ("reshape/view to (3, H, W) scrambles the pixels: move the channel axis with permute(2, 0, 1)",
                 pixels.reshape(3, 7, 5) / 255),
                ("the values are not divided by 255", pixels.permute(2, 0, 1)),
                ("reshape/view to (3, H, W) scrambles the pixels (use permute(2, 0, 1)), and the values are not "
                 "divided by 255", pixels.reshape(3, 7, 5)),
            ], neutral="image[c, h, w] = images[i, h, w, c] / 255")


### BEGIN HIDDEN TESTS
@pytest.mark.hidden
@pytest.mark.points(1)
@fast_failure
@given(n_val=st.integers(1, 5), sizes=st.lists(st.integers(6, 30), min_size=2, max_size=5), seed=st.integers(0, 2**16))
def test_split_is_random_within_each_class(submission, n_val, sizes, seed):
    """For any class sizes: n_val per class in validation, and not simply each class's first indices."""
    labels = np.random.default_rng(seed).permutation(np.repeat(np.arange(len(sizes)), sizes)).astype(np.int64)
    picks = []
    for s in range(4):
        train, val = _split(submission, labels, n_val, s)
        if not np.array_equal(np.bincount(labels[val], minlength=len(sizes)), np.full(len(sizes), n_val)):
            raise AssertionError(f"validation counts per class are {np.bincount(labels[val]).tolist()}, expected {n_val} each")
        if np.intersect1d(train, val).size or len(train) + len(val) != len(labels):
            raise AssertionError("train_idx and val_idx should be disjoint and cover every index")
        picks.append(tuple(val))
    if len(set(picks)) == 1:
        cause = ("the first indices of each class are taken: draw them at random with rng.choice"
                 if np.array_equal(picks[0], _first_of_each_class(labels, n_val)) else
                 "the seed does not reach the draws: np.random.default_rng(seed)")
        raise AssertionError(f"seeds 0..3 all gave the same validation set\nlikely cause: {cause}")


@pytest.mark.hidden
@pytest.mark.points(1)
@fast_failure
@given(n=st.integers(1, 6), height=st.integers(1, 12), width=st.integers(1, 12), seed=st.integers(0, 2**16))
def test_items_for_any_image_size(submission, n, height, width, seed):
    """Every item of a data set of any size is a float32 (3, H, W) image in [0, 1] and an int64 label."""
    images = _images(n, height, width, seed)
    labels = np.random.default_rng(seed).integers(0, 6, size=n)
    dataset = submission.SignsDataset(images, labels)
    expect.scalar_close(len(dataset), n, "len(dataset)", atol=0)
    for i in range(n):
        image, label = dataset[i]
        expect.tensor(image, f"dataset[{i}][0]", shape=(3, height, width), dtype=torch.float32)
        expect.close(image, torch.from_numpy(images[i] / 255).permute(2, 0, 1), f"dataset[{i}][0]", atol=1e-6, rtol=0)
        expect.tensor(label, f"dataset[{i}][1]", shape=(), dtype=torch.int64)
        expect.scalar_close(label.item(), labels[i], f"dataset[{i}][1]", atol=0)
### END HIDDEN TESTS
