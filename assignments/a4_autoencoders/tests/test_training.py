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


def _history(value, name: str) -> list[float]:
    if type(value) is not list or not all(type(v) is float for v in value):
        kinds = sorted({type(v).__name__ for v in value}) if type(value) is list else [type(value).__name__]
        raise AssertionError(f"{name} should be a list of Python floats, got {type(value).__name__} of {kinds}"
                             "\nlikely cause: append loss.item(), not the loss tensor")
    return value


def _snapshot(module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters()}


@pytest.mark.points(1)
@given(n=st.integers(min_value=1, max_value=500), seed=st.integers(0, 2**16))
def test_sample_rectangle_shape_and_bounds(submission, samples, n, seed):
    """sample_rectangle(n) is float32 (n, 2) with x in [-2, 2] and y in [-1, 1]."""
    points = submission.sample_rectangle(n, torch.Generator().manual_seed(seed))
    expect.tensor(points, f"sample_rectangle({n})", shape=(n, 2), dtype=torch.float32)
    assert points[:, 0].abs().max() <= 2 and points[:, 1].abs().max() <= 1, (
        f"sample_rectangle({n}) has points outside [-2, 2] x [-1, 1], e.g. {points[(points.abs() > torch.tensor([2.0, 1.0])).any(1)][0].tolist()}")


@pytest.mark.points(1)
def test_sample_rectangle_is_uniform_and_uses_the_generator(submission):
    """20,000 samples have the mean, variance and range of the uniform rectangle; the generator decides them."""
    n = 20000
    points = expect.tensor(submission.sample_rectangle(n, torch.Generator().manual_seed(0)), "points", shape=(n, 2)).double()
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
                 hint="draw the random numbers with torch.rand(..., generator=generator)")
    assert not torch.equal(again, other), "two generator seeds gave the same points: is the generator used?"


@pytest.mark.points(1)
@given(n=st.integers(1, 40), batch_size=st.one_of(st.none(), st.integers(1, 16)), n_epochs=st.integers(0, 3))
def test_history_has_one_loss_per_step(submission, trains, n, batch_size, n_epochs):
    """train_autoencoder returns n_epochs * ceil(N / batch_size) floats (one per step)."""
    model = _reference_model(0)
    history = _history(submission.train_autoencoder(model, _points(n, 1), n_epochs, lr=1e-3, batch_size=batch_size),
                       "the loss history")
    steps = n_epochs * (1 if batch_size is None else math.ceil(n / batch_size))
    assert len(history) == steps, (
        f"train_autoencoder(N={n}, batch_size={batch_size}, n_epochs={n_epochs}) returned {len(history)} losses, "
        f"expected {steps}\nlikely cause: one loss per optimizer step; the last batch of an epoch may be smaller")


@pytest.mark.points(1)
def test_unknown_optimizer_raises(submission):
    """An optimizer name other than 'adam' or 'sgd' raises ValueError."""
    expect.raises(ValueError, lambda: submission.train_autoencoder(_reference_model(0), _points(8, 0), 1, optimizer="rmsprop"),
                  "train_autoencoder(..., optimizer='rmsprop')")


@pytest.mark.points(1)
def test_first_loss_is_the_untrained_mse(submission):
    """With full batch, loss 0 is the untrained model's MSE on all the data, and gradient descent lowers it."""
    model = _reference_model(1)
    data = _points(64, 2)
    untrained = F.mse_loss(model(data), data).item()
    history = _history(submission.train_autoencoder(copy.deepcopy(model), data, 3, lr=0.2, optimizer="sgd"),
                       "the loss history")
    assert len(history) == 3, f"3 full-batch epochs gave {len(history)} losses, expected 3"
    expect.scalar_close(history[0], untrained, "loss of step 0", atol=1e-5,
                        hint="record the MSE (reduction='mean') of each step's batch before the update; "
                             "batch_size=None means all of data in one batch")
    # 12 seeds of this test model: three steps of GD (lr 0.2) always lower the loss (by 3% to 36%).
    assert history[-1] < history[0], f"three gradient-descent steps did not lower the loss: {history}"


@pytest.mark.points(1)
def test_decode_latent_line(submission):
    """decode_latent_line decodes torch.linspace(z_min, z_max, n) without tracking gradients."""
    model = _reference_model(2)
    got = expect.tensor(submission.decode_latent_line(model, -3.0, 2.0, 50), "decode_latent_line(model, -3, 2, 50)",
                        shape=(50, 2))
    expected = model.decoder(torch.linspace(-3.0, 2.0, 50)[:, None]).detach()
    expect.close(got, expected, "decoded line", atol=1e-6, hint="decode torch.linspace(z_min, z_max, n) as an (n, 1) batch")
    assert not got.requires_grad, "the decoded line still tracks gradients: compute it inside torch.no_grad()"


@pytest.mark.points(1)
def test_examples_seen_values(submission):
    """examples_seen counts the samples seen after each step, the last batch of an epoch being smaller."""
    for args, expected in [((10, 4, 2), [4, 8, 10, 14, 18, 20]), ((5, None, 3), [5, 10, 15]), ((8, 8, 1), [8]),
                           ((3, 5, 2), [3, 6]), ((7, 2, 0), [])]:
        got = submission.examples_seen(*args)
        assert list(got) == expected, (
            f"examples_seen{args} is {list(got)}, expected {expected}"
            "\nlikely cause: each step adds its batch size; the last batch of an epoch holds the remaining samples")


@pytest.mark.points(1)
def test_retrain_encoder_keeps_the_decoder_fixed(submission):
    """retrain_encoder leaves every decoder parameter exactly as it was, and leaves it frozen."""
    torch.manual_seed(7)
    data = _points(64, 3)
    model = submission.Autoencoder([20, 10])
    submission.train_autoencoder(model, data, 20, lr=1e-2)
    decoder_before = _snapshot(model.decoder)
    history = _history(submission.retrain_encoder(model, data, 30, lr=1e-2), "the loss history")
    assert len(history) == 30, f"retrain_encoder(..., n_epochs=30) returned {len(history)} losses, expected 30"
    for name, value in _snapshot(model.decoder).items():
        expect.close(value, decoder_before[name], f"decoder.{name} after retrain_encoder", atol=0,
                     hint="freeze the decoder (requires_grad=False) before training, and do not re-initialize it")
    frozen = [name for name, p in model.decoder.named_parameters() if p.requires_grad]
    assert not frozen, f"decoder parameters {frozen} still have requires_grad=True after retrain_encoder"


@pytest.mark.points(2)
def test_retrain_encoder_really_reinitializes(submission):
    """retrain_encoder(n_epochs=0) replaces the encoder weights by fresh default-initialized ones."""
    torch.manual_seed(8)
    data = _points(32, 4)
    model = submission.Autoencoder([20, 10])
    layers = [layer for layer in list(model.encoder) if type(layer).__name__ == "Linear"]
    for layer in layers:  # plant values that no initialization produces
        layer.load_state_dict({"weight": torch.full_like(layer.weight.detach(), 10.0),
                               "bias": torch.full_like(layer.bias.detach(), 10.0)})
    submission.retrain_encoder(model, data, 0)
    first = _snapshot(model.encoder)
    for name, value in first.items():
        fan_in = value.shape[1] if value.ndim == 2 else dict(first)[name.replace("bias", "weight")].shape[1]
        bound = 1 / math.sqrt(fan_in)
        assert value.abs().max() <= bound + 1e-6, (
            f"encoder.{name} after retrain_encoder(n_epochs=0) has entries up to {value.abs().max():.3g}, "
            f"but nn.Linear initializes them within +-1/sqrt(fan_in) = {bound:.3g}"
            "\nlikely cause: the encoder was not re-initialized (call reset_parameters() on each layer)")
        assert value.numel() == 1 or value.std() > 0, f"encoder.{name} is constant after re-initialization"
    submission.retrain_encoder(model, data, 0)
    second = _snapshot(model.encoder)
    assert any(not torch.equal(first[k], second[k]) for k in first), (
        "two calls of retrain_encoder(n_epochs=0) gave identical encoder weights: re-initialization must draw "
        "fresh random weights each time")


