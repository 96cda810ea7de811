"""Task 6: evaluation, the learning-rate sweep, and SignsCNN learning on a SIGNS stand-in."""
import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from autograder import expect

torch.set_num_threads(1)  # tiny tensors: threads only add overhead, more so on a busy machine

pytestmark = pytest.mark.task("6", "Evaluation and learning-rate sweep")


def _signs_tensors(n: int, seed: int):
    """n stand-in SIGNS images as float32 (n, 3, 64, 64) in [0, 1] and int64 labels (made here, not by your Dataset)."""
    from autograder.data.synth_signs import make_signs

    images, labels = make_signs(n, seed=seed)
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255, torch.from_numpy(labels)


@pytest.mark.points(1)
def test_evaluate_weighted_and_in_eval_mode(submission):
    """evaluate returns (mean NLL, accuracy) over all samples (batches of 4, 4, 3), in evaluation mode (Dropout off)."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(11, 5, generator=g), torch.arange(11) % 3
    torch.random.manual_seed(0)
    model = nn.Sequential(nn.Dropout(p=0.5), nn.Linear(5, 3), nn.LogSoftmax(dim=1))
    model.train(False)
    with torch.inference_mode():
        out = model(x)
    model.train(True)
    loss = nn.functional.nll_loss(out, y).item()
    accuracy = (out.argmax(dim=1) == y).double().mean().item()
    result = submission.evaluate(model, DataLoader(TensorDataset(x, y), batch_size=4), "cpu")
    if not (isinstance(result, tuple) and len(result) == 2 and all(isinstance(v, (float, np.floating)) for v in result)):
        raise AssertionError(f"evaluate should return a tuple of two Python floats (loss, accuracy), got {result!r}"
                             " (use .item() to turn a one-element tensor into a float)")
    hint = "switch to evaluation mode, and weight each batch by its size (the last batch has 3 samples)"
    expect.scalar_close(result[0], loss, "evaluate(...)[0] (the loss)", atol=1e-5, hint=hint)
    expect.scalar_close(result[1], accuracy, "evaluate(...)[1] (the accuracy)", atol=1e-9, hint=hint)


@pytest.mark.points(1)
def test_best_learning_rate_uses_the_last_epoch(submission):
    """best_learning_rate picks the highest last validation accuracy; a tie goes to the lower last validation loss."""
    results = {
        0.1: {"val_acc": np.array([0.9, 0.2]), "val_loss": np.array([0.3, 1.8])},
        1e-3: {"val_acc": np.array([0.4, 0.7]), "val_loss": np.array([1.2, 0.9])},
        1e-4: {"val_acc": np.array([0.3, 0.7]), "val_loss": np.array([1.5, 0.8])},
        1e-5: {"val_acc": np.array([0.2, 0.3]), "val_loss": np.array([1.7, 1.6])},
    }
    got = submission.best_learning_rate(results)
    if got != 1e-4:
        raise AssertionError(f"best_learning_rate gave {got!r}, expected 0.0001: 1e-3 and 1e-4 tie at 0.7 in the last "
                             "epoch and 1e-4 has the lower last val_loss (0.1 is best only in epoch 0)")


@pytest.mark.points(1)
def test_sweep_restarts_from_the_same_weights(submission):
    """lr_sweep gives every learning rate a fresh model from the same seed: a run does not depend on the runs before it."""
    x = torch.rand(12, 3, 64, 64, generator=torch.Generator().manual_seed(3))
    y = torch.arange(12) % 6
    loader = DataLoader(TensorDataset(x, y), batch_size=6)
    both = submission.lr_sweep(submission.SignsCNN, loader, loader, [1e-2, 1e-3], 2, "cpu", 7)
    alone = submission.lr_sweep(submission.SignsCNN, loader, loader, [1e-3], 2, "cpu", 7)
    if not (isinstance(both, dict) and sorted(both) == [1e-3, 1e-2]):
        raise AssertionError(f"lr_sweep should return a dict keyed by the learning rates [0.01, 0.001], got "
                             f"{sorted(both) if isinstance(both, dict) else type(both).__name__}")
    for lr, run in both.items():
        if not isinstance(run, dict) or not {"model", "train_loss", "val_loss", "train_acc", "val_acc"} <= set(run):
            raise AssertionError(f"results[{lr}] should be a dict with keys model, train_loss, val_loss, train_acc, val_acc")
        for key in ("train_loss", "val_loss", "train_acc", "val_acc"):
            if np.asarray(run[key]).shape != (2,):
                raise AssertionError(f"results[{lr}][{key!r}] should hold one value per epoch (2), got {np.asarray(run[key]).shape}")
    for key in ("train_loss", "val_loss"):
        expect.close(np.asarray(both[1e-3][key]), np.asarray(alone[1e-3][key]),
                     f"results[0.001][{key!r}] after the 0.01 run vs alone", atol=1e-5,
                     hint="reseed (torch.manual_seed with the given seed) and call make_model() again before every learning rate")


@pytest.mark.points(2)
def test_signs_cnn_learns_the_signs_stand_in(submission):
    """train_cnn trains SignsCNN on 240 stand-in SIGNS images (8 epochs, lr 1e-3): validation accuracy well above chance (1/6)."""
    torch.random.manual_seed(0)
    model = submission.SignsCNN()
    x, y = _signs_tensors(360, seed=11)
    val = np.concatenate([np.flatnonzero(y.numpy() == c)[:20] for c in range(6)])
    train = np.setdiff1d(np.arange(360), val)
    train_loader = DataLoader(TensorDataset(x[train], y[train]), batch_size=16)
    val_loader = DataLoader(TensorDataset(x[val], y[val]), batch_size=120)
    out = submission.train_cnn(model, train_loader, val_loader, 1e-3, 8, "cpu")
    val_loss, val_acc = np.asarray(out[1], dtype=float), np.asarray(out[3], dtype=float)
    # Reference, 10 seeds (data seed 11+i, init seed i; instructor/measure_thresholds.py): best val acc
    # 0.508 0.367 0.342 0.467 0.383 0.317 0.442 0.358 0.475 0.308 (min 0.308); lowest val loss 1.214 1.475 1.404
    # 1.305 1.444 1.419 1.298 1.446 1.312 1.532 (max 1.532). Without zero_grad (5 seeds): acc <= 0.258,
    # loss >= 1.789. Thresholds 0.25 (2.4 binomial sd above chance on 120 images) and 1.65: margins 0.06 and 0.12.
    if not (val_acc.max() >= 0.25 and val_loss.min() <= 1.65):
        raise AssertionError(f"best validation accuracy {val_acc.max():.3f} (needs >= 0.25), lowest validation loss "
                             f"{val_loss.min():.3f} (needs <= 1.65; chance is ln 6 = 1.79)\n"
                             "likely cause: the training loop does not learn (check zero_grad, the loss, eval/train "
                             "modes) or the model differs from the docstring")


