"""Task 2: sampling, the training loop, latent lines, the frozen-decoder retraining, examples seen."""
import copy
import math
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from autograder import expect

# Small models: on a shared CPU extra threads cost more than they save.
torch.set_num_threads(1)

pytestmark = pytest.mark.task("2", "2-D experiments: sampling, training loop, frozen decoder")


def _implemented(call) -> None:
    """Re-raise if ``call()`` reaches a stub (NotImplementedError); anything else is left to the tests.

    Used by the fixtures of property-based tests, so that a stub fails once instead of once per
    example that hypothesis tries.
    """
    try:
        call()
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - the test itself reports other problems, with an input
        pass


@pytest.fixture(scope="module")
def samples(submission):
    _implemented(lambda: submission.sample_rectangle(2))


@pytest.fixture(scope="module")
def trains(submission):
    _implemented(lambda: submission.train_autoencoder(_reference_model(0), torch.zeros(2, 2), 1))


@pytest.fixture(scope="module")
def counts(submission):
    _implemented(lambda: submission.examples_seen(2, 1, 1))


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


def _history(value, name: str, returned_by: str = "train_autoencoder") -> list[float]:
    if type(value) is not list or not all(type(v) is float for v in value):
        if value is None:
            raise AssertionError(f"{name} should be a list of Python floats, got None\nlikely cause: {returned_by} "
                                 "has no return statement: return the list of step losses")
        kinds = sorted({type(v).__name__ for v in value}) if type(value) is list else []
        if kinds and "Tensor" in kinds:
            raise AssertionError(f"{name} should be a list of Python floats, got a list of {kinds}"
                                 "\nlikely cause: the losses were appended as tensors: append loss.item()")
        raise AssertionError(f"{name} should be a list of Python floats, got {type(value).__name__}"
                             + (f" of {kinds}" if kinds else ""))
    return value


def _snapshot(module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def _expected_full_batch(model: nn.Module, data: torch.Tensor, n_steps: int, lr: float, optimizer: str,
                         in_place: bool = False, *, momentum: float = 0.0, zero_grad: bool = True,
                         new_optimizer_each_step: bool = False) -> list[float]:
    """Full-batch training by the test itself: the losses a correct train_autoencoder records.

    The keyword arguments replay a classic mistake instead (to verify a diagnosis).
    """
    model = model if in_place else copy.deepcopy(model)

    def make():
        params = [p for p in model.parameters() if p.requires_grad]
        return (torch.optim.SGD(params, lr=lr, momentum=momentum) if optimizer == "sgd"
                else torch.optim.Adam(params, lr=lr))

    opt = make()
    losses = []
    for _ in range(n_steps):
        if new_optimizer_each_step:
            opt = make()
        if zero_grad:
            opt.zero_grad()
        loss = ((model(data) - data) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return losses


@pytest.mark.points(1)
@given(n=st.integers(min_value=1, max_value=500), seed=st.integers(0, 2**16))
def test_sample_rectangle_shape_and_bounds(submission, samples, n, seed):
    """sample_rectangle(n) is float32 (n, 2) with x in [-2, 2] and y in [-1, 1]."""
    points = submission.sample_rectangle(n, torch.Generator().manual_seed(seed))
    expect.tensor(points, f"sample_rectangle({n})", shape=(n, 2))
    if points.dtype != torch.float32:
        raise AssertionError(f"sample_rectangle({n}) has dtype {points.dtype}, expected torch.float32\nlikely cause: "
                             f"a {points.dtype} tensor (a constant, or numpy data) entered the computation: build "
                             "everything from torch.rand, whose default dtype is float32")
    assert points[:, 0].abs().max() <= 2 and points[:, 1].abs().max() <= 1, (
        f"sample_rectangle({n}) has points outside [-2, 2] x [-1, 1], e.g. {points[(points.abs() > torch.tensor([2.0, 1.0])).any(1)][0].tolist()}")


@pytest.mark.points(1)
def test_sample_rectangle_is_uniform_and_uses_the_generator(submission):
    """20,000 samples have the mean, variance and range of the uniform rectangle; the generator decides them."""
    n = 20000
    points = expect.tensor(submission.sample_rectangle(n, torch.Generator().manual_seed(0)), "points", shape=(n, 2)).double()
    low, high = points.min(0).values, points.max(0).values
    ranges = f"column 0 spans [{low[0]:.3g}, {high[0]:.3g}], column 1 spans [{low[1]:.3g}, {high[1]:.3g}]"
    if torch.allclose(low, torch.tensor([-1.0, -2.0], dtype=torch.float64), atol=0.01) and torch.allclose(
            high, torch.tensor([1.0, 2.0], dtype=torch.float64), atol=0.01):
        raise AssertionError(f"{ranges}, expected [-2, 2] and [-1, 1]\nlikely cause: the two columns are swapped: "
                             "column 0 (x) is the long side, [-2, 2]")
    if torch.allclose(low, torch.zeros(2, dtype=torch.float64), atol=0.01):
        raise AssertionError(f"{ranges}, expected [-2, 2] and [-1, 1]\nlikely cause: the points are not shifted: "
                             "stretch torch.rand's [0, 1) to the side lengths 4 and 2, then subtract 2 and 1")
    # Uniform on [-a, a]: mean 0, variance a^2/3; standard errors sqrt(a^2/3/n) and sqrt(4a^4/45/n).
    # Five standard errors: a correct sampler fails with probability below 1e-5.
    for col, a in ((0, 2.0), (1, 1.0)):
        expect.scalar_close(points[:, col].mean(), 0.0, f"mean of column {col}", atol=5 * math.sqrt(a * a / 3 / n),
                            hint="the rectangle is centred at the origin")
        expect.scalar_close(points[:, col].var(), a * a / 3, f"variance of column {col}",
                            atol=5 * math.sqrt(4 * a**4 / 45 / n), hint="column 0 spans [-2, 2], column 1 spans [-1, 1]")
        expect.scalar_close(points[:, col].min(), -a, f"smallest value of column {col}", atol=0.01)
        expect.scalar_close(points[:, col].max(), a, f"largest value of column {col}", atol=0.01)
    again = submission.sample_rectangle(50, torch.Generator().manual_seed(3))
    same = submission.sample_rectangle(50, torch.Generator().manual_seed(3))
    other = submission.sample_rectangle(50, torch.Generator().manual_seed(4))
    expect.close(same, again, "sample_rectangle(50) with the same generator seed", atol=0,
                 hint="the points do not follow the generator passed in: draw the random numbers with "
                      "torch.rand(..., generator=generator)")
    assert not torch.equal(again, other), (
        "two generator seeds gave the same points\nlikely cause: the generator passed in is not used: draw the "
        "random numbers with torch.rand(..., generator=generator)")


@pytest.mark.points(1)
def test_sample_rectangle_without_generator_uses_the_global_seed(submission):
    """With generator=None the points come from torch's global generator: torch.manual_seed decides them."""
    runs = {}
    for seed in (11, 11, 12):
        torch.manual_seed(seed)
        runs.setdefault(seed, []).append(
            expect.tensor(submission.sample_rectangle(30), "sample_rectangle(30)", shape=(30, 2)).clone())
    first, again, other = runs[11][0], runs[11][1], runs[12][0]
    assert torch.equal(first, again), (
        "sample_rectangle(30) gave different points after the same torch.manual_seed(11)\nlikely cause: with "
        "generator=None the random numbers must come from torch's global generator (torch.rand(..., generator=None)), "
        "not from another source")
    assert not torch.equal(first, other), (
        "sample_rectangle(30) gave the same points after torch.manual_seed(11) and torch.manual_seed(12)\nlikely "
        "cause: with generator=None the points do not depend on torch's global generator (a new torch.Generator() "
        "always starts from the same seed): pass generator=None on to torch.rand")


@pytest.mark.points(1)
@given(n=st.integers(1, 40), batch_size=st.one_of(st.none(), st.integers(1, 16)), n_epochs=st.integers(0, 3))
def test_history_has_one_loss_per_step(submission, trains, n, batch_size, n_epochs):
    """train_autoencoder returns n_epochs * ceil(N / batch_size) floats (one per step)."""
    model = _reference_model(0)
    history = _history(submission.train_autoencoder(model, _points(n, 1), n_epochs, lr=1e-3, batch_size=batch_size),
                       "the loss history")
    steps = n_epochs * (1 if batch_size is None else math.ceil(n / batch_size))
    if len(history) != steps:
        message = (f"train_autoencoder(N={n}, batch_size={batch_size}, n_epochs={n_epochs}) returned {len(history)} "
                   f"losses, expected {steps} (one per step)")
        if batch_size is not None and len(history) == n_epochs * (n // batch_size):
            message += ("\nlikely cause: the last, smaller batch of each epoch is dropped: cut "
                        "range(0, N, batch_size) so that it keeps the remaining samples")
        elif batch_size is None and len(history) != n_epochs:
            message += "\nlikely cause: batch_size=None means full batch: one step per epoch on all of data"
        raise AssertionError(message)


@pytest.mark.points(1)
def test_unknown_optimizer_raises(submission):
    """An optimizer name other than 'adam' or 'sgd' raises ValueError."""
    try:
        expect.raises(ValueError, lambda: submission.train_autoencoder(_reference_model(0), _points(8, 0), 1,
                                                                       optimizer="rmsprop"),
                      "train_autoencoder(..., optimizer='rmsprop')")
    except AssertionError as failure:
        if "nothing was raised" not in str(failure):
            raise
        raise AssertionError(f"{failure}\nlikely cause: an unknown optimizer name is accepted (another optimizer "
                             "is used instead): raise ValueError for any name other than 'adam' or 'sgd'") from None


@pytest.mark.points(1)
def test_first_loss_is_the_untrained_mse(submission):
    """With full batch, loss 0 is the untrained model's MSE on all the data, and gradient descent lowers it."""
    model = _reference_model(1)
    data = _points(64, 2)
    untrained = F.mse_loss(model(data), data).item()
    history = _history(submission.train_autoencoder(copy.deepcopy(model), data, 3, lr=0.2, optimizer="sgd"),
                       "the loss history")
    assert len(history) == 3, (f"3 full-batch epochs gave {len(history)} losses, expected 3\nlikely cause: "
                               "batch_size=None means full batch: one step per epoch on all of data")
    after_one = _expected_full_batch(model, data, 2, 0.2, "sgd")[1]
    expect.close_with_suspects(
        torch.tensor(history[:1]), torch.tensor([untrained]), "loss of step 0 (untrained model, all data)", atol=1e-5,
        suspects=[("the loss is recorded after the update: append the batch's loss computed before "
                   "optimizer.step()", [after_one]),
                  ("the loss is summed, not averaged: use F.mse_loss with its default reduction='mean'",
                   [untrained * data.numel()]),
                  ("the loss is summed over the coordinates (mean over samples only): use the mean over all "
                   "entries", [untrained * data.shape[1]])],
        check="record the MSE (mean over all entries) of each step's batch before the update; batch_size=None "
              "means all of data in one batch")
    # 12 seeds of this test model: three steps of GD (lr 0.2) always lower the loss (by 3% to 36%).
    assert history[-1] < history[0], f"three gradient-descent steps did not lower the loss: {history}"


@pytest.mark.points(1)
def test_decode_latent_line(submission):
    """decode_latent_line decodes torch.linspace(z_min, z_max, n) without tracking gradients."""
    model = _reference_model(2)
    call = "decode_latent_line(model, -3, 2, 50)"
    try:
        got = submission.decode_latent_line(model, -3.0, 2.0, 50)
    except RuntimeError as error:  # a shape error inside model.decoder, told in the student's terms
        message = f"{call} raised RuntimeError: {' '.join(str(error).split())[:160]}"
        try:
            model.decoder(torch.linspace(-3.0, 2.0, 50)[None, :])
        except RuntimeError as same:
            if str(same) == str(error):
                raise AssertionError(f"{message}\nlikely cause: the latent values were passed as one row of shape "
                                     "(1, n); the decoder takes a batch of shape (n, 1): "
                                     "torch.linspace(z_min, z_max, n)[:, None]") from None
        raise AssertionError(message) from None
    got = expect.tensor(got, call)
    if tuple(got.shape) != (50, 2):
        hint = ("\nlikely cause: the number of points n is not used: torch.linspace(z_min, z_max, n)"
                if got.ndim == 2 and got.shape[1] == 2 else "")
        raise AssertionError(f"{call} has shape {tuple(got.shape)}, expected (50, 2) (n points of dimension input_dim)"
                             + hint)
    expected = model.decoder(torch.linspace(-3.0, 2.0, 50)[:, None]).detach()
    expect.close(got, expected, "decoded line", atol=1e-6, hint="decode torch.linspace(z_min, z_max, n) as an (n, 1) batch")
    assert not got.requires_grad, ("the decoded line still tracks gradients (requires_grad=True)\nlikely cause: it "
                                   "was computed outside torch.no_grad(): decode inside `with torch.no_grad():`")


@pytest.mark.points(1)
def test_examples_seen_values(submission):
    """examples_seen counts the samples seen after each step, the last batch of an epoch being smaller."""
    for args, expected in [((10, 4, 2), [4, 8, 10, 14, 18, 20]), ((5, None, 3), [5, 10, 15]), ((8, 8, 1), [8]),
                           ((3, 5, 2), [3, 6]), ((7, 2, 0), [])]:
        n, batch_size, n_epochs = args
        try:
            got = list(submission.examples_seen(*args))
        except (TypeError, ValueError, ZeroDivisionError) as error:
            raise AssertionError(f"examples_seen{args} raised {type(error).__name__}: {error}" + (
                "\nlikely cause: batch_size=None is not handled: it means full batch, one step of N samples per "
                "epoch" if batch_size is None else "")) from None
        if got == expected:
            continue
        size = batch_size or n
        steps = math.ceil(n / size)
        all_full = [size * (t + 1) for t in range(n_epochs * steps)]
        per_epoch = [min(size * (t + 1), n) for t in range(steps)] * n_epochs
        message = f"examples_seen{args} is {got}, expected {expected}"
        if got == all_full:
            message += ("\nlikely cause: every step counts a full batch: the last batch of an epoch holds only the "
                        "remaining samples")
        elif got == per_epoch:
            message += "\nlikely cause: the count restarts every epoch: it keeps growing across epochs, up to n_epochs * N"
        raise AssertionError(message)


@pytest.mark.points(1)
def test_retrain_encoder_keeps_the_decoder_fixed(submission):
    """retrain_encoder leaves every decoder parameter exactly as it was, and leaves it frozen."""
    data = _points(64, 3)
    model = _reference_model(7)
    _expected_full_batch(model, data, 20, 1e-2, "adam", in_place=True)  # a trained decoder to keep
    decoder_before = _snapshot(model.decoder)
    history = _history(submission.retrain_encoder(model, data, 30, lr=1e-2), "the loss history", "retrain_encoder")
    assert len(history) == 30, f"retrain_encoder(..., n_epochs=30) returned {len(history)} losses, expected 30"
    for name, value in _snapshot(model.decoder).items():
        expect.close(value, decoder_before[name], f"decoder.{name} after retrain_encoder", atol=0,
                     hint="the decoder was trained or re-initialized: freeze the decoder (requires_grad=False) "
                          "before training, and re-initialize only the encoder")
    frozen = [name for name, p in model.decoder.named_parameters() if p.requires_grad]
    assert not frozen, (f"decoder parameters {frozen} have requires_grad=True after retrain_encoder, although they "
                        "did not change\nlikely cause: the decoder was unfrozen again (or never frozen): it must "
                        "stay frozen, requires_grad=False")


@pytest.mark.points(2)
def test_retrain_encoder_really_reinitializes(submission):
    """retrain_encoder(n_epochs=0) replaces the encoder weights by fresh default-initialized ones."""
    data = _points(32, 4)
    model = _reference_model(8, width=20)
    with torch.no_grad():  # plant values that no initialization produces
        for p in model.encoder.parameters():
            p.fill_(10.0)
    submission.retrain_encoder(model, data, 0)
    first = _snapshot(model.encoder)
    kept = [name for name, value in first.items() if bool((value == 10.0).all())]
    if kept:
        which = ("none of the encoder's layers" if len(kept) == len(first)
                 else f"only some layers ({', '.join(sorted(set(first) - set(kept)))})")
        raise AssertionError(
            f"encoder.{kept[0]} still holds the values it had before retrain_encoder(n_epochs=0) (all 10.0)\n"
            f"likely cause: {which} were re-initialized: call reset_parameters() on every submodule of the "
            "encoder that has it (model.encoder.modules())")
    for name, value in first.items():
        fan_in = value.shape[1] if value.ndim == 2 else dict(first)[name.replace("bias", "weight")].shape[1]
        bound = 1 / math.sqrt(fan_in)
        assert value.abs().max() <= bound + 1e-6, (
            f"encoder.{name} after retrain_encoder(n_epochs=0) has entries up to {value.abs().max():.3g}, "
            f"but nn.Linear initializes them within +-1/sqrt(fan_in) = {bound:.3g}"
            "\nthings to check: re-initialize with each layer's own reset_parameters()")
        assert value.numel() == 1 or value.std() > 0, f"encoder.{name} is constant after re-initialization"
    submission.retrain_encoder(model, data, 0)
    second = _snapshot(model.encoder)
    assert any(not torch.equal(first[k], second[k]) for k in first), (
        "two calls of retrain_encoder(n_epochs=0) gave identical encoder weights: re-initialization must draw "
        "fresh random weights each time")


@pytest.mark.points(1)
def test_each_epoch_follows_a_fresh_randperm_of_the_generator(submission, trains):
    """Epoch 0 visits the samples in the order torch.randperm(N, generator=generator); epoch 1 in a new order."""
    n = 12
    model = _reference_model(4)
    data = _points(n, 8)
    with torch.no_grad():
        alone = ((model(data) - data) ** 2).mean(1).double()  # the loss of each sample in a batch of its own
    # With lr=0 the model never changes and batch_size=1 makes step k's loss that of the k-th sample visited.
    history = _history(submission.train_autoencoder(copy.deepcopy(model), data, 2, lr=0.0, batch_size=1,
                                                    optimizer="sgd", generator=torch.Generator().manual_seed(5)),
                       "the loss history")
    assert len(history) == 2 * n, f"2 epochs of {n} samples in batches of 1 gave {len(history)} losses, expected {2 * n}"
    got = torch.tensor(history, dtype=torch.float64).view(2, n)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(5))
    for epoch in range(2):
        if not torch.allclose(got[epoch].sort().values, alone.sort().values, atol=1e-6):
            raise AssertionError(f"the losses of epoch {epoch} (batch_size=1, lr=0) are not those of the {n} samples "
                                 "each taken once\nthings to check: each epoch visits every sample exactly once")
    if not torch.allclose(got[0], alone[order], atol=1e-6):
        cause = ("the samples are not shuffled: visit them in the order torch.randperm(N, generator=generator)"
                 if torch.allclose(got[0], alone, atol=1e-6) else
                 "the epoch's order is a permutation, but not the generator's: draw it with "
                 "torch.randperm(N, generator=generator)")
        raise AssertionError(f"epoch 0 visited the samples in another order than torch.randperm({n}, generator=g) "
                             f"with g seeded 5\nlikely cause: {cause}")
    assert not torch.allclose(got[1], got[0], atol=1e-6), (
        "epoch 1 visited the samples in the same order as epoch 0\nlikely cause: the order is drawn once: draw a "
        "new torch.randperm(N, generator=generator) at the start of every epoch")


### BEGIN HIDDEN TESTS
from hypothesis import settings  # noqa: E402 - only the hidden test below sets its example count

# The property test that trains a model in every example runs FEW examples (the grading profile: 30).
# Detection power (instructor/measure.py power, all 50 mutants): it fails for exactly the mutants
# it fails with 30 examples, with 5 derandomized examples and with 10 random ones.
FEW = 10


@pytest.mark.hidden
@pytest.mark.points(2)
def test_full_batch_gradient_descent_steps(submission):
    """Full-batch 'sgd' takes exactly the gradient-descent steps of the MSE, loss recorded before each step."""
    model = _reference_model(1)
    data = _points(64, 2)
    expected = _expected_full_batch(model, data, 5, 0.2, "sgd")
    history = _history(submission.train_autoencoder(copy.deepcopy(model), data, 5, lr=0.2, optimizer="sgd"),
                       "the loss history")
    expect.close_with_suspects(
        torch.tensor(history), torch.tensor(expected), "loss history of 5 full-batch GD steps", atol=1e-5,
        suspects=[("the gradients are never zeroed, so they add up over the steps: call optimizer.zero_grad() "
                   "every step", lambda: _expected_full_batch(model, data, 5, 0.2, "sgd", zero_grad=False)),
                  ("SGD with momentum: optimizer='sgd' is plain gradient descent, torch.optim.SGD(params, lr=lr)",
                   lambda: _expected_full_batch(model, data, 5, 0.2, "sgd", momentum=0.9)),
                  ("the loss is recorded after the update: append the loss computed before optimizer.step()",
                   lambda: _expected_full_batch(model, data, 6, 0.2, "sgd")[1:])],
        check="every step: zero the gradients, MSE with reduction='mean', backward, optimizer.step(); record the "
              "loss before the step; torch.optim.SGD without momentum")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_retrain_encoder_trains_the_encoder(submission):
    """After re-initialization the encoder is trained: the loss falls from its fresh start."""
    model = _reference_model(5)
    data = _points(128, 5)
    _expected_full_batch(model, data, 150, 2e-2, "adam", in_place=True)  # a trained decoder to keep
    history = _history(submission.retrain_encoder(copy.deepcopy(model), data, 100, lr=2e-2), "the loss history")
    assert len(history) == 100, f"retrain_encoder(..., n_epochs=100) returned {len(history)} losses, expected 100"
    # 10 seeds (this model, 150 + 100 full-batch Adam steps, lr 2e-2): last/first between 0.10 and 0.24.
    assert history[-1] < 0.6 * history[0], (
        f"the loss went from {history[0]:.4f} to {history[-1]:.4f} in 100 steps: expected it to fall below 60% "
        "of its start\nthings to check: the optimizer must hold the encoder's (new) parameters, and only the "
        "decoder is frozen")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_full_batch_adam_steps(submission):
    """Full-batch 'adam' takes exactly torch.optim.Adam's steps on the MSE."""
    model = _reference_model(3)
    data = _points(40, 6)
    expected = _expected_full_batch(model, data, 6, 0.05, "adam")
    history = _history(submission.train_autoencoder(copy.deepcopy(model), data, 6, lr=0.05), "the loss history")
    expect.close_with_suspects(
        torch.tensor(history), torch.tensor(expected), "loss history of 6 full-batch Adam steps", atol=1e-5,
        suspects=[("the gradients are never zeroed, so they add up over the steps: call optimizer.zero_grad() "
                   "every step", lambda: _expected_full_batch(model, data, 6, 0.05, "adam", zero_grad=False)),
                  ("a new Adam optimizer is created every step, which resets its state: create it once, before "
                   "the loop", lambda: _expected_full_batch(model, data, 6, 0.05, "adam", new_optimizer_each_step=True))],
        check="torch.optim.Adam(params, lr=lr) created once before the loop; zero the gradients every step")


@pytest.mark.hidden
@pytest.mark.points(1)
@given(n=st.integers(1, 60), batch_size=st.integers(1, 16), n_epochs=st.integers(1, 3))
@settings(max_examples=FEW)
def test_every_sample_once_per_epoch(submission, trains, n, batch_size, n_epochs):
    """Each epoch visits every sample exactly once (checked with lr=0, where the model never changes)."""
    model = _reference_model(4)
    data = _points(n, 7)
    full = F.mse_loss(model(data), data).item()
    history = _history(submission.train_autoencoder(copy.deepcopy(model), data, n_epochs, lr=0.0,
                                                    batch_size=batch_size, optimizer="sgd"), "the loss history")
    sizes = [min(batch_size, n - start) for start in range(0, n, batch_size)]
    assert len(history) == n_epochs * len(sizes), f"got {len(history)} losses, expected {n_epochs * len(sizes)}"
    for epoch in range(n_epochs):
        losses = history[epoch * len(sizes):(epoch + 1) * len(sizes)]
        weighted = sum(loss * size for loss, size in zip(losses, sizes)) / n
        expect.close_with_suspects(torch.tensor([weighted]), torch.tensor([full]),
                                   f"batch losses of epoch {epoch} averaged with the batch sizes", atol=1e-5,
                                   check="each epoch must use a permutation of all N samples (torch.randperm), not "
                                         "sampling with replacement, and cut it into consecutive batches")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_retrain_encoder_trains_with_adam_and_the_given_lr(submission):
    """After re-initialization, retrain_encoder takes Adam's steps (the given lr) on the encoder only."""
    model = _reference_model(6)
    data = _points(48, 9)
    _expected_full_batch(model, data, 50, 2e-2, "adam", in_place=True)  # a trained decoder to keep
    start = copy.deepcopy(model)
    torch.manual_seed(21)
    submission.retrain_encoder(start, data, 0)  # the re-initialized encoder: the same draws as the call below
    torch.manual_seed(21)
    history = _history(submission.retrain_encoder(copy.deepcopy(model), data, 5, lr=0.03), "the loss history",
                       "retrain_encoder")
    thawed = copy.deepcopy(start)
    for p in start.decoder.parameters():
        p.requires_grad_(False)
    expected = _expected_full_batch(start, data, 5, 0.03, "adam")
    expect.close_with_suspects(
        torch.tensor(history), torch.tensor(expected), "loss history of retrain_encoder (5 full-batch steps, lr 0.03)",
        atol=1e-5,
        suspects=[("the lr argument is not passed on to train_autoencoder (it trains with the default lr)",
                   lambda: _expected_full_batch(start, data, 5, 1e-2, "adam")),
                  ("the encoder is trained with plain SGD: retrain_encoder uses Adam",
                   lambda: _expected_full_batch(start, data, 5, 0.03, "sgd")),
                  ("the decoder is trained too: freeze it (requires_grad=False) before training",
                   lambda: _expected_full_batch(thawed.requires_grad_(True), data, 5, 0.03, "adam"))],
        check="train with train_autoencoder(model, data, n_epochs, lr=lr, batch_size=batch_size, generator=generator)")





@pytest.mark.hidden
@pytest.mark.points(1)
@given(n=st.integers(1, 40), batch_size=st.one_of(st.none(), st.integers(1, 16)), n_epochs=st.integers(0, 3))
def test_examples_seen_matches_the_training_loop(submission, counts, n, batch_size, n_epochs):
    """examples_seen has one entry per training step, rising by the batch sizes to n_epochs * N."""
    seen = list(submission.examples_seen(n, batch_size, n_epochs))
    steps = n_epochs * (1 if batch_size is None else math.ceil(n / batch_size))
    assert len(seen) == steps, f"examples_seen({n}, {batch_size}, {n_epochs}) has {len(seen)} entries, expected {steps}"
    if steps:
        assert seen[-1] == n_epochs * n, f"examples_seen({n}, {batch_size}, {n_epochs}) ends at {seen[-1]}, expected {n_epochs * n}"
        steps_sizes = [b - a for a, b in zip([0, *seen[:-1]], seen)]
        assert all(1 <= s <= (batch_size or n) for s in steps_sizes), f"step sizes {steps_sizes} exceed the batch size"
### END HIDDEN TESTS
