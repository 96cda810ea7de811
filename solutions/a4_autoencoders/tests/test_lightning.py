"""Task 2 (Lightning): LitAutoencoder, lightning_trainer and train_lightning against a plain PyTorch loop."""
import copy
import math
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from autograder import expect

# Small models: on a shared CPU extra threads cost more than they save.
torch.set_num_threads(1)

pytestmark = pytest.mark.task("2", "2-D experiments: sampling, training loop, frozen decoder")


def _reference_model(seed: int, width: int = 8) -> nn.Module:
    """A small autoencoder built by the test (not by your code): ``model.encoder``, ``model.decoder``."""
    torch.manual_seed(seed)
    return nn.Sequential(OrderedDict(
        encoder=nn.Sequential(nn.Linear(2, width), nn.Tanh(), nn.Linear(width, 1)),
        decoder=nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 2)),
    ))


def _points(n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 2, generator=g) * torch.tensor([4.0, 2.0]) - torch.tensor([2.0, 1.0])


def _flat(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def _batches(n: int, batch_size: int | None, n_epochs: int, seed: int, order: str = "randperm") -> list[torch.Tensor]:
    """Index batches of every step: ``randperm`` is the specified order (one torch.randperm(N, g) per
    epoch); ``shuffle`` replays ``DataLoader(..., shuffle=True, generator=g)``; ``fixed`` no shuffling."""
    size = n if batch_size is None else batch_size
    g = torch.Generator().manual_seed(seed)
    if order == "shuffle":
        loader = DataLoader(torch.arange(n), batch_size=size, shuffle=True, generator=g)
        return [batch for _ in range(n_epochs) for batch in loader]
    out = []
    for _ in range(n_epochs):
        perm = torch.randperm(n, generator=g) if order == "randperm" else torch.arange(n)
        out += [perm[start:start + size] for start in range(0, n, size)]
    return out


def _plain_loop(model: nn.Module, data: torch.Tensor, batches, lr: float, *, optimizer: str = "adam",
                reduction: str = "mean", step: bool = True) -> tuple[list[float], nn.Module]:
    """The plain PyTorch loop of train_autoencoder, by the test (on a copy): (losses, trained copy).

    The keyword arguments replay a classic mistake instead (to verify a diagnosis).
    """
    model = copy.deepcopy(model)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=lr) if optimizer == "sgd" else torch.optim.Adam(params, lr=lr)
    losses = []
    for index in batches:
        batch = data[index]
        opt.zero_grad()
        loss = F.mse_loss(model(batch), batch, reduction=reduction)
        losses.append(loss.item())
        loss.backward()
        if step:
            opt.step()
    return losses, model


def _history(value, call: str) -> list[float]:
    if value is None:
        raise AssertionError(f"{call} returned None, expected a list of Python floats\nlikely cause: train_lightning "
                             "has no return statement: return trainer.logger.values(\"train_mse\")")
    if type(value) is not list or not all(type(v) is float for v in value):
        kinds = sorted({type(v).__name__ for v in value}) if type(value) is list else []
        raise AssertionError(f"{call} should return a list of Python floats, got {type(value).__name__}"
                             + (f" of {kinds}" if kinds else ""))
    return value


def _train(submission, model, data, n_epochs, **kwargs) -> list[float]:
    args = ", ".join(f"{k}={v if k != 'generator' else 'g'}" for k, v in kwargs.items())
    call = f"train_lightning(model, data of shape {tuple(data.shape)}, n_epochs={n_epochs}{', ' + args if args else ''})"
    return _history(expect.call(submission.train_lightning, model, data, n_epochs, description=call, **kwargs), call)


def _count(history: list[float], steps: int, call: str, suspects=()) -> None:
    """One logged value per step; ``suspects`` are ``(cause, values)`` pairs replaying a mistake."""
    if len(history) == steps:
        return
    message = f"{call} logged {len(history)} values of \"train_mse\", expected {steps} (one per step)"
    cause = expect.verified_cause(torch.tensor(history), [(c, lambda v=v: torch.tensor(v())) for c, v in suspects],
                                  atol=1e-5)
    if cause:
        message += f"\nlikely cause: {cause}"
    else:
        message += ("\nthings to check: training_step logs the loss with self.log(\"train_mse\", loss) (that name, "
                    "every step: on_step=True, on_epoch=False); the Trainer logs every step (log_every_n_steps=1); the "
                    "DataLoader gets the batch size; train_lightning returns trainer.logger.values(\"train_mse\")")
    raise AssertionError(message)


@pytest.mark.points(1)
def test_lightning_one_step_changes_the_weights(submission):
    """One full-batch step of train_lightning changes the weights: exactly one Adam step of the MSE."""
    model = _reference_model(0)
    data = _points(16, 1)
    before = _flat(model)
    untrained = F.mse_loss(model(data), data).item()
    call = "train_lightning(model, data, n_epochs=1, lr=0.05, generator=g) (full batch: one step)"
    history = _train(submission, model, data, 1, lr=0.05, generator=torch.Generator().manual_seed(0))
    if len(history) == 16:
        raise AssertionError(f"{call} logged 16 values, expected 1 (one full-batch step)\nlikely cause: "
                             "batch_size=None was passed on to the DataLoader, which then yields single samples: "
                             "use batch_size=N for full batch")
    batches = _batches(16, None, 1, 0)
    after = _flat(model)
    if torch.equal(after, before):
        message = f"the weights are unchanged after {call}"
        # Two steps tell "no update at all" (the logged loss stays put) from "a copy of the model was trained".
        again = _train(submission, copy.deepcopy(model), data, 2, lr=0.05, generator=torch.Generator().manual_seed(0))
        if len(history) == 1 and abs(history[0] - untrained) < 1e-5 and len(again) == 2 and again[0] == again[1]:
            message += ("\nlikely cause: the step ran and logged the loss but made no update: training_step must "
                        "return the loss (when it returns None, Lightning skips the optimizer step)")
        elif len(again) == 2 and again[0] != again[1]:
            message += ("\nlikely cause: a copy of the model was trained (its loss fell), not the model passed in: "
                        "LitAutoencoder keeps the model itself as its attribute model")
        else:
            message += ("\nthings to check: LitAutoencoder keeps the model you pass as its attribute model; "
                        "configure_optimizers returns an optimizer over its parameters; training_step returns "
                        "the loss")
        raise AssertionError(message)
    _, expected = _plain_loop(_reference_model(0), data, batches, 0.05)
    expect.close_with_suspects(
        after, _flat(expected), "the weights after one step", atol=1e-5,
        suspects=[("configure_optimizers ignores lr: use torch.optim.Adam(params, lr=self.lr)",
                   lambda: _flat(_plain_loop(_reference_model(0), data, batches, 1e-3)[1])),
                  ("configure_optimizers returns SGD: use torch.optim.Adam(params, lr=self.lr), as "
                   "train_autoencoder's \"adam\"",
                   lambda: _flat(_plain_loop(_reference_model(0), data, batches, 0.05, optimizer="sgd")[1]))],
        check="configure_optimizers is torch.optim.Adam over the model's trainable parameters with lr=self.lr; "
              "training_step returns F.mse_loss(model(batch), batch)")


@pytest.mark.points(1)
def test_lightning_logs_the_batch_mse_every_step(submission):
    """With lr=0 (the model never changes) the value logged at each step is the MSE of that step's batch,
    the batches following torch.randperm(N, generator=g) every epoch."""
    n, batch_size, n_epochs, seed = 10, 4, 2, 3
    model = _reference_model(1)
    data = _points(n, 2)
    call = f"train_lightning(model, data, n_epochs={n_epochs}, lr=0.0, batch_size={batch_size}, generator=g)"
    history = _train(submission, copy.deepcopy(model), data, n_epochs, lr=0.0, batch_size=batch_size,
                     generator=torch.Generator().manual_seed(seed))
    _count(history, n_epochs * math.ceil(n / batch_size), call)
    expected, _ = _plain_loop(model, data, _batches(n, batch_size, n_epochs, seed), 0.0)
    expect.close_with_suspects(
        torch.tensor(history), torch.tensor(expected), "the logged train_mse", atol=1e-5,
        suspects=[("the loss is summed, not averaged: use F.mse_loss with its default reduction='mean'",
                   lambda: _plain_loop(model, data, _batches(n, batch_size, n_epochs, seed), 0.0, reduction="sum")[0]),
                  ("the DataLoader shuffles with shuffle=True, which draws extra random numbers from the generator: "
                   "use sampler=SubsetRandomSampler(range(N), generator=generator)",
                   lambda: _plain_loop(model, data, _batches(n, batch_size, n_epochs, seed, "shuffle"), 0.0)[0]),
                  ("the samples are not shuffled: use sampler=SubsetRandomSampler(range(N), generator=generator)",
                   lambda: _plain_loop(model, data, _batches(n, batch_size, n_epochs, seed, "fixed"), 0.0)[0])],
        check="training_step logs F.mse_loss(model(batch), batch) under \"train_mse\"; the DataLoader uses "
              "sampler=SubsetRandomSampler(range(N), generator=generator) and batch_size")


@pytest.mark.points(1)
def test_lightning_trainer_writes_no_file(submission, tmp_path):
    """lightning_trainer: n_epochs on the CPU, the in-memory logger every step, no checkpoint, root_dir as its folder."""
    root = str(tmp_path / "lightning_root")
    call = "lightning_trainer(3, root_dir)"
    trainer = expect.call(submission.lightning_trainer, 3, root, description=call)
    problems = []  # (what the Trainer does, the argument that causes it): each read from the Trainer itself
    if trainer.max_epochs != 3:
        problems.append((f"max_epochs is {trainer.max_epochs}, expected 3", "max_epochs=n_epochs is not passed"))
    accelerator = type(trainer.accelerator).__name__
    if accelerator != "CPUAccelerator" or trainer.num_devices != 1:
        problems.append((f"it runs on {accelerator} with {trainer.num_devices} devices, expected one CPU",
                         "pass accelerator=\"cpu\", devices=1"))
    if trainer.checkpoint_callback is not None:
        problems.append(("it saves checkpoints", "checkpointing is on: pass enable_checkpointing=False"))
    loggers = [type(one).__name__ for one in trainer.loggers]
    if loggers != ["MemoryLogger"]:
        problems.append((f"its loggers are {loggers}, expected ['MemoryLogger']",
                         "pass logger=MemoryLogger(): Lightning's default logger writes files"))
    if trainer.log_every_n_steps != 1:
        problems.append((f"log_every_n_steps is {trainer.log_every_n_steps}, expected 1",
                         "pass log_every_n_steps=1: the default, 50, logs only every 50th step"))
    if trainer.progress_bar_callback is not None:
        problems.append(("it shows a progress bar", "pass enable_progress_bar=False"))
    if trainer.default_root_dir != root:
        problems.append((f"default_root_dir is {trainer.default_root_dir!r}, expected root_dir",
                         "pass default_root_dir=root_dir: Lightning's default is the current folder, your folder"))
    if problems:
        raise AssertionError(f"the Trainer from {call}: " + "; ".join(fact for fact, _ in problems)
                             + "\nlikely cause: " + "; ".join(cause for _, cause in problems))
    # Where the grader runs your code in this process (plain pytest, `check`), also look at your folder.
    folder = getattr(submission, "dir", None)
    listing = sorted(p.name for p in folder.iterdir()) if folder is not None and folder.is_dir() else None
    _train(submission, _reference_model(2), _points(8, 3), 1)
    if listing is not None:
        caches = {"__pycache__", ".hypothesis", ".pytest_cache", ".ipynb_checkpoints"}  # Python's and tools', not Lightning's
        new = sorted(set(p.name for p in folder.iterdir()) - set(listing) - caches)
        assert not new, (f"train_lightning wrote {new} into your folder\nthings to check: train_lightning fits "
                         "inside a tempfile.TemporaryDirectory() given to lightning_trainer as root_dir")


### BEGIN HIDDEN TESTS
@pytest.mark.hidden
@pytest.mark.points(2)
def test_lightning_matches_the_plain_loop(submission):
    """For a fixed seed, train_lightning (batches of 8, 3 epochs, Adam) matches the plain loop: losses and weights."""
    n, batch_size, n_epochs, seed, lr = 20, 8, 3, 7, 0.02
    model = _reference_model(4)
    data = _points(n, 5)
    call = f"train_lightning(model, data, n_epochs={n_epochs}, lr={lr}, batch_size={batch_size}, generator=g)"
    trained = copy.deepcopy(model)
    history = _train(submission, trained, data, n_epochs, lr=lr, batch_size=batch_size,
                     generator=torch.Generator().manual_seed(seed))
    batches = _batches(n, batch_size, n_epochs, seed)
    expected, reference = _plain_loop(model, data, batches, lr)
    sizes = torch.tensor([len(index) for index in batches], dtype=torch.float64).view(n_epochs, -1)

    def epoch_means():  # what Lightning logs with on_epoch=True: the batch-size-weighted mean of each epoch
        return ((torch.tensor(expected, dtype=torch.float64).view(n_epochs, -1) * sizes).sum(1) / n).tolist()

    _count(history, len(batches), call, suspects=[
        ("the loss is logged once per epoch (an epoch mean): log it every step, "
         "self.log(\"train_mse\", loss, on_step=True, on_epoch=False)", epoch_means),
        ("batch_size is not passed to the DataLoader: full batch only for batch_size=None",
         lambda: _plain_loop(model, data, _batches(n, None, n_epochs, seed), lr)[0])])
    # Tolerance: instructor/measure.py (lightning_vs_plain) measured the largest difference between
    # train_lightning and train_autoencoder over 10 seeds of this setting, and of Autoencoder([20, 10]) on
    # 256 points in batches of 32 for 5 epochs: 0.0 for every loss and weight (the same floating-point
    # operations in the same order); 1e-5 only leaves room for another summation order.
    expect.close_with_suspects(
        torch.tensor(history), torch.tensor(expected), "the logged train_mse", atol=1e-5,
        suspects=[("configure_optimizers ignores lr: use torch.optim.Adam(params, lr=self.lr)",
                   lambda: _plain_loop(model, data, batches, 1e-3)[0]),
                  ("configure_optimizers returns SGD: use torch.optim.Adam(params, lr=self.lr)",
                   lambda: _plain_loop(model, data, batches, lr, optimizer="sgd")[0]),
                  ("the DataLoader shuffles with shuffle=True, which draws extra random numbers from the generator: "
                   "use sampler=SubsetRandomSampler(range(N), generator=generator)",
                   lambda: _plain_loop(model, data, _batches(n, batch_size, n_epochs, seed, "shuffle"), lr)[0]),
                  ("batch_size is not passed to the DataLoader: full batch only for batch_size=None",
                   lambda: _plain_loop(model, data, _batches(n, None, n_epochs, seed), lr)[0])],
        check="the same batches (SubsetRandomSampler(range(N), generator=generator)), the batch MSE, Adam with "
              "lr=self.lr")
    if torch.equal(_flat(trained), _flat(model)):
        raise AssertionError(f"the weights are unchanged after {call}, although the logged losses fell as in the "
                             "plain loop\nlikely cause: a copy of the model was trained, not the model passed in: "
                             "LitAutoencoder keeps the model itself as its attribute model")
    expect.close_with_suspects(_flat(trained), _flat(reference), "the weights after training", atol=1e-5,
                               check="the model passed in takes the same Adam steps as in the plain loop")
### END HIDDEN TESTS
