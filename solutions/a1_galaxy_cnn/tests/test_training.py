"""Task 5: the training loop, and validation in evaluation mode without gradients."""
import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from autograder import expect

pytestmark = pytest.mark.task("5", "training loop")

HISTORY_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc", "best_epoch")


def tiny_problem(seed: int = 0):
    """36 training and 10 validation samples of shape (3, 4, 4), 4 classes, and a small MLP."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(46, 3, 4, 4, generator=g)
    y = torch.randint(0, 4, (46,), generator=g)
    torch.random.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(1), nn.Linear(48, 16), nn.ReLU(), nn.Linear(16, 4))
    train = DataLoader(TensorDataset(x[:36], y[:36]), batch_size=8)  # 5 batches, the last one of 4
    val = DataLoader(TensorDataset(x[36:], y[36:]), batch_size=4)
    return model, train, val


def dropout_problem():
    g = torch.Generator().manual_seed(4)
    x, y = torch.randn(10, 3, 4, 4, generator=g), torch.randint(0, 4, (10,), generator=g)
    torch.random.manual_seed(4)
    model = nn.Sequential(nn.Flatten(1), nn.Linear(48, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 4))
    return model, x, y, DataLoader(TensorDataset(x, y), batch_size=4)


def check_history(history, n_epochs: int, n_iterations: int) -> dict:
    if not isinstance(history, dict) or any(k not in history for k in HISTORY_KEYS):
        raise AssertionError(f"train_model should return a dict with the keys {list(HISTORY_KEYS)}, got "
                             f"{sorted(history) if isinstance(history, dict) else type(history).__name__}")
    expected_lengths = {"train_loss": n_iterations, "train_acc": n_epochs, "val_loss": n_epochs, "val_acc": n_epochs}
    for key, length in expected_lengths.items():
        values = history[key]
        if not isinstance(values, list) or len(values) != length:
            per = "per iteration" if key == "train_loss" else "per epoch"
            expect._fail(f"history[{key!r}] should be a list of {length} numbers (one {per}), got "
                         f"{len(values) if isinstance(values, list) else type(values).__name__}",
                         "one loss per epoch is recorded: append loss.item() after every training batch"
                         if key == "train_loss" and isinstance(values, list) and len(values) == n_epochs else None)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            tensors = any(isinstance(v, torch.Tensor) for v in values)
            expect._fail(f"history[{key!r}] should hold finite Python floats (use .item()), got {values[:3]}",
                         "tensors are stored, not numbers: append .item() of each (a loss tensor also keeps its whole "
                         "graph alive)" if tensors else None)
    if not isinstance(history["best_epoch"], int) or not 0 <= history["best_epoch"] < n_epochs:
        expect._fail(f"history['best_epoch'] should be an epoch index 0..{n_epochs - 1}, got {history['best_epoch']!r}",
                     "epochs are counted from 0: best_epoch is the 0-based index" if history["best_epoch"] == n_epochs else None)
    return dict(history)


@pytest.mark.points(2)
def test_history_has_one_loss_per_iteration(submission, tmp_path):
    """train_model returns per-iteration losses and per-epoch accuracies and validation results."""
    model, train, val = tiny_problem()
    x0, y0 = next(iter(train))
    with torch.inference_mode():
        first_logits = model(x0)
    first_loss = float(submission.classification_loss(first_logits, y0))  # task 4 grades the loss itself
    history = check_history(submission.train_model(copy.deepcopy(model), train, val, n_epochs=2,
                                                  checkpoint_path=tmp_path / "best.pt"), 2, 10)
    if abs(history["train_loss"][0] - first_loss) > 1e-4:
        raise AssertionError(f"history['train_loss'][0] is {history['train_loss'][0]:.6g}, expected {first_loss:.6g} "
                             "(the loss of the first batch, before any step)\nhint: record loss.item() of every "
                             "training batch, computed on the raw logits before the step")
    for key, n in (("train_acc", 36), ("val_acc", 10)):
        for value in history[key]:
            if not 0 <= value <= 1 or abs(value * n - round(value * n)) > 1e-4:
                raise AssertionError(f"history[{key!r}] holds {value}, not a fraction of the {n} samples: "
                                     "accuracy = correct predictions / number of samples")


@pytest.mark.points(2)
def test_validation_uses_eval_mode_and_no_grad(submission):
    """predict and evaluate switch the model to eval mode (no dropout) and record no gradients."""
    model, x, y, loader = dropout_problem()
    reference = copy.deepcopy(model).eval()
    with torch.inference_mode():
        expected = reference(x)
    hint = "call .eval() on the model before validating: in training mode dropout is active and the results are random"
    first_logits, labels = submission.predict(copy.deepcopy(model), loader)
    second_logits, _ = submission.predict(copy.deepcopy(model), loader)
    expect.tensor(first_logits, "predict(...) logits", shape=(10, 4))
    if not torch.equal(labels, y):
        expect._fail(f"predict(...) labels are {labels.tolist()}, the loader yields {y.tolist()}",
                     "the samples come back in another order than the loader yields them: iterate over the loader "
                     "itself" if sorted(labels.tolist()) == sorted(y.tolist()) else None)
    if not torch.equal(first_logits, second_logits):
        expect._fail("predict gave different logits in two calls for the same model and data", hint)
    expect.close_diagnosed(first_logits, expected, "predict(...) logits of a model with dropout", atol=1e-5)
    if first_logits.requires_grad:
        expect._fail("the logits from predict require gradients",
                     "the forward passes record a graph: run them inside torch.no_grad()")
    # One batch: how evaluate averages over batches is test_evaluate_averages_over_samples's business.
    whole = DataLoader(TensorDataset(x, y), batch_size=10)
    loss, accuracy = submission.evaluate(copy.deepcopy(model), whole)
    expected_loss = float(submission.classification_loss(expected, y))  # task 4 grades the loss itself
    if abs(loss - expected_loss) > 1e-5 or abs(accuracy - (expected.argmax(1) == y).double().mean().item()) > 1e-6:
        again = submission.evaluate(copy.deepcopy(model), whole)
        random = again != (loss, accuracy)
        expect.scalar_close(loss, expected_loss, "evaluate(...) loss of a model with dropout", atol=1e-5,
                            hint=hint if random else None)
        expect.scalar_close(accuracy, (expected.argmax(1) == y).double().mean().item(), "evaluate(...) accuracy",
                            atol=1e-6, hint=hint if random else None)


@pytest.mark.points(1)
def test_evaluate_averages_over_samples(submission):
    """evaluate averages the loss over all samples, also when the last batch is smaller."""
    model, x, y, _ = dropout_problem()
    model.train(False)
    with torch.inference_mode():
        logits = model(x)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)  # batches of 4, 4 and 2
    loss, accuracy = submission.evaluate(copy.deepcopy(model), loader)
    for value, name in ((loss, "loss"), (accuracy, "accuracy")):
        if type(value) is not float:
            expect._fail(f"evaluate(...) should return the {name} as a Python float, got {type(value).__name__}",
                         "a tensor is returned: return .item() of it" if isinstance(value, torch.Tensor) else None)
    mean_loss = submission.classification_loss  # task 4 grades the loss itself
    batch_means = sum(float(mean_loss(logits[i:i + 4], y[i:i + 4])) for i in range(0, 10, 4)) / 3
    hint = ("the loss is the mean of per-batch means, which weights the small last batch too much: sum the "
            "per-sample losses, divide by N" if abs(loss - batch_means) < 1e-6 else None)
    expect.scalar_close(loss, float(mean_loss(logits, y)), "evaluate(...) loss", atol=1e-5, hint=hint)
    expect.scalar_close(accuracy, (logits.argmax(1) == y).double().mean().item(), "evaluate(...) accuracy", atol=1e-6)


@pytest.mark.points(3)
def test_training_learns_blobs(submission, fresh_galaxy_cnn, helpers, tmp_path):
    """Your train_model and GalaxyCNN learn an easy 10-class problem (blobs at ten positions) in 3 epochs."""
    x, y = helpers.blob_images(520, seed=5)
    train = DataLoader(TensorDataset(x[:320], y[:320]), batch_size=16)
    val = DataLoader(TensorDataset(x[320:420], y[320:420]), batch_size=100)
    model = fresh_galaxy_cnn(0)
    history = check_history(submission.train_model(model, train, val, n_epochs=3, checkpoint_path=tmp_path / "best.pt"), 3, 60)
    model.train(False)
    with torch.inference_mode():
        accuracy = (model(x[420:]).argmax(dim=1) == y[420:]).double().mean().item()
    # Reference (instructor/measure_thresholds.py blobs, one thread): weight seeds 0-4 on this data
    # (seed 5): 0.99, 0.99, 0.99, 0.99, 0.99; weight seed 0 on data seeds 0-4: 0.96, 0.95, 0.96,
    # 0.99, 1.00. Minimum 0.95; chance is 0.10. Threshold 0.80: a margin of 0.15 below the worst run.
    threshold = 0.8
    if accuracy < threshold:
        raise AssertionError(f"after 3 epochs the model classifies {accuracy:.2f} of 100 held-out images correctly, "
                             f"expected at least {threshold} (the reference reaches 0.95-1.00)\nhint: check the "
                             "training step (zero_grad, backward, step), the loss on raw logits, and that the best "
                             f"weights are restored (train losses: {[round(v, 2) for v in history['train_loss'][::10]]})")


@pytest.mark.points(1)
def test_learning_rate_zero_changes_nothing_and_keeps_epoch_0(submission, tmp_path):
    """train_model passes lr to Adam: with lr=0 nothing changes, and of equal validation losses the first is best."""
    probe = submission.make_optimizer(nn.Linear(2, 2), lr=0.0).defaults
    if not isinstance(probe, dict) or probe.get("lr") != 0.0:
        return  # make_optimizer ignores lr: task 4 grades that; this test has nothing to compare
    model, train, val = tiny_problem(seed=2)
    history = check_history(submission.train_model(copy.deepcopy(model), train, val, n_epochs=3, lr=0.0,
                                                   checkpoint_path=tmp_path / "best.pt"), 3, 15)
    losses = [float(v) for v in history["val_loss"]]
    if max(losses) - min(losses) > 1e-6:
        expect._fail(f"with lr=0 the validation loss changed from epoch to epoch: {[round(v, 4) for v in losses]}",
                     "train_model does not pass its lr to make_optimizer (make_optimizer(model, lr=0) has lr 0, yet "
                     "the weights moved)")
    if history["best_epoch"] != 0:
        expect._fail(f"with three equal validation losses, history['best_epoch'] is {history['best_epoch']}, expected 0",
                     "an equal validation loss counts as an improvement (<=): save and count only a strictly lower one (<)")


### BEGIN HIDDEN TESTS
def adam_step(params, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8) -> None:
    """One step of Adam as torch.optim.Adam takes it (written out: torch.optim costs seconds to import)."""
    state["t"] = state.get("t", 0) + 1
    t = state["t"]
    with torch.no_grad():
        for i, p in enumerate(params):
            m, v = state.setdefault(i, (torch.zeros_like(p), torch.zeros_like(p)))
            m.mul_(betas[0]).add_(p.grad, alpha=1 - betas[0])
            v.mul_(betas[1]).addcmul_(p.grad, p.grad, value=1 - betas[1])
            denom = (v.sqrt() / (1 - betas[1] ** t) ** 0.5).add_(eps)
            p.addcdiv_(m, denom, value=-lr / (1 - betas[0] ** t))


def reference_history(model, train, val, n_epochs: int, zero_grad: bool = True, train_mode_each_epoch: bool = True) -> dict:
    params, state = list(model.parameters()), {}
    out = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    for epoch in range(n_epochs):
        if train_mode_each_epoch or epoch == 0:
            model.train()
        hits = 0
        for x, y in train:
            if zero_grad:
                for p in params:
                    p.grad = None
            scores = model(x)
            batch_loss = F.cross_entropy(scores, y)
            batch_loss.backward()
            adam_step(params, state)
            out["train_loss"].append(batch_loss.item())
            hits += int((scores.argmax(1) == y).sum())
        out["train_acc"].append(hits / len(train.dataset))
        model.train(False)
        with torch.inference_mode():
            xs, ys = val.dataset.tensors
            scores = model(xs)
        out["val_loss"].append(F.cross_entropy(scores, ys).item())
        out["val_acc"].append((scores.argmax(1) == ys).double().mean().item())
    out["best_epoch"] = min(range(n_epochs), key=lambda e: out["val_loss"][e])
    return out


@pytest.mark.hidden
@pytest.mark.points(2)
def test_history_matches_a_reference_loop(submission, tmp_path):
    """Every recorded number equals that of a reference loop (Adam lr 1e-3, cross-entropy, zero_grad each step)."""
    model, train, val = tiny_problem(seed=1)
    # Batch norm makes the mode matter: in training mode it normalizes with the batch's statistics,
    # in evaluation mode with its running ones, so a loop that stays in evaluation mode after the first
    # validation records other training losses from epoch 1 on. The Linear before it has no bias: batch
    # norm cancels a bias, whose gradient is then rounding noise that Adam turns into full-size steps.
    torch.random.manual_seed(1)
    model = nn.Sequential(nn.Flatten(1), nn.Linear(48, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 4))
    probe = torch.randn(6, 4, generator=torch.Generator().manual_seed(9)), torch.tensor([0, 1, 2, 3, 0, 1])
    if abs(float(submission.classification_loss(*probe)) - F.cross_entropy(*probe).item()) > 1e-5:
        # A wrong classification_loss costs points in task 4 only. The reference trajectory needs
        # the correct loss, so this test has nothing more to compare.
        return
    expected = reference_history(copy.deepcopy(model), train, val, n_epochs=3)
    got = check_history(submission.train_model(copy.deepcopy(model), train, val, n_epochs=3,
                                               checkpoint_path=tmp_path / "best.pt"), 3, 15)
    suspects = (
        ("gradients are never zeroed: call optimizer.zero_grad() before every backward pass",
         lambda: reference_history(copy.deepcopy(model), train, val, n_epochs=3, zero_grad=False)),
        ("the model stays in evaluation mode after the first validation: call model.train() at the start of every epoch",
         lambda: reference_history(copy.deepcopy(model), train, val, n_epochs=3, train_mode_each_epoch=False)),
    )
    advice = {
        "train_loss": "one optimizer step per batch: zero_grad, forward, loss on the logits, backward, step "
                      "(Adam with lr 1e-3 from make_optimizer)",
        "train_acc": "count the samples whose logits in the training forward pass (before the step) have their "
                     "argmax at the label, divided by the number of training samples",
        "val_loss": "after each epoch: evaluate(model, val_loader)",
        "val_acc": "after each epoch: evaluate(model, val_loader)",
    }
    for key, text in advice.items():
        expect.close_diagnosed(torch.tensor(got[key]), torch.tensor(expected[key]), f"history[{key!r}]", atol=1e-4,
                               rtol=1e-4, advice=text,
                               suspects=[(cause, lambda run=run, key=key: torch.tensor(run()[key])) for cause, run in suspects])
    if got["best_epoch"] != expected["best_epoch"]:
        expect._fail(f"history['best_epoch'] is {got['best_epoch']}, but the lowest validation loss is at "
                     f"epoch {expected['best_epoch']} (0-based)",
                     "epochs are counted from 0: best_epoch is the 0-based index" if got["best_epoch"] == expected["best_epoch"] + 1
                     else None)
### END HIDDEN TESTS
