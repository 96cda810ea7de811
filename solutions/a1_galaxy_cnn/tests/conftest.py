"""Shared helpers of the A1 tests: small synthetic data sets and models with fixed weights.

Everything here is built by the grader with fixed seeds, so a test gives the same result every
time it runs. Nothing depends on your data cache.
"""
import math

import pytest
import torch
import torch.nn.functional as F

# The grading plugin (points, tasks, the `submission` fixture), also for `pytest` run in this folder.
pytest_plugins = ["autograder.pytest_plugin"]

# One thread: on a shared machine several threads per process slow training down many times
# over, and the grader's sandbox gives each submission one thread anyway.
torch.set_num_threads(1)

# The specified GalaxyCNN: parameter shapes in order, and the layers between them.
GALAXY_CNN_SHAPES = [(8, 3, 5, 5), (8,), (16, 8, 5, 5), (16,), (64, 3136), (64,), (32, 64), (32,), (10, 32), (10,)]
GALAXY_CNN_PARAMETERS = 207_002


def blob_images(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """An easy 10-class problem in the Galaxy10 format: float32 (n, 3, 69, 69), int64 (n,).

    Class k is a coloured Gaussian blob near one of ten positions (a 5 x 2 grid), with random
    jitter, width and colour, plus pixel noise. A working CNN and training loop separate the
    classes within a few hundred steps.
    """
    g = torch.Generator().manual_seed(seed)
    labels = (torch.arange(n) % 10)[torch.randperm(n, generator=g)]
    cx = torch.tensor([12.0, 23.0, 34.0, 45.0, 56.0])[labels % 5] + 2 * torch.randn(n, generator=g)
    cy = torch.tensor([22.0, 46.0])[labels // 5] + 2 * torch.randn(n, generator=g)
    width = 3 + 3 * torch.rand(n, generator=g)
    colour = 0.5 + 0.5 * torch.rand(n, 3, generator=g)
    t = torch.arange(69.0)
    d2 = (t[None, None, :] - cx[:, None, None]) ** 2 + (t[None, :, None] - cy[:, None, None]) ** 2
    blob = torch.exp(-d2 / (2 * width[:, None, None] ** 2))
    images = colour[:, :, None, None] * blob[:, None] + 0.2 * torch.randn(n, 3, 69, 69, generator=g)
    return images, labels


def set_weights(model, seed: int) -> None:
    """Give ``model`` reproducible weights drawn like PyTorch's default initialisation.

    Every floating-point entry of the state dict gets U(-1/sqrt(fan_in), 1/sqrt(fan_in)), where
    fan_in belongs to the layer's weight. The model's own random initialisation is replaced, so
    tests do not depend on the global random state.

    A model with exactly the specified GalaxyCNN parameter shapes gets the same values whatever its
    attribute names and registration order (the spec fixes neither): the values are drawn in the
    order of ``GALAXY_CNN_SHAPES`` and assigned by shape, each bias with its layer's fan-in. Any other
    model gets them in state-dict order.
    """
    state = dict(model.state_dict())
    g = torch.Generator().manual_seed(seed)
    floats = [name for name, value in state.items() if value.is_floating_point() and value.ndim >= 1]
    shapes = sorted((tuple(state[name].shape) for name in floats), key=str)
    fresh = dict(state)
    if shapes == sorted(GALAXY_CNN_SHAPES, key=str):
        by_shape = {}
        for i, shape in enumerate(GALAXY_CNN_SHAPES):
            bound = 1 / math.sqrt(torch.Size(GALAXY_CNN_SHAPES[i - i % 2][1:]).numel())
            by_shape[shape] = (2 * torch.rand(shape, generator=g) - 1) * bound
        for name in floats:
            fresh[name] = by_shape[tuple(state[name].shape)].clone()
    else:
        for name in floats:
            value = state[name]
            weight = state.get(name.rsplit(".", 1)[0] + ".weight", value)
            fan_in = weight[0].numel() if weight.ndim >= 2 else value.numel()
            bound = 1 / math.sqrt(fan_in)
            fresh[name] = (2 * torch.rand(tuple(value.shape), generator=g) - 1) * bound
    model.load_state_dict(fresh)


def weights_by_shape(tensors, what: str) -> list[torch.Tensor]:
    """The tensors of a GalaxyCNN in the order of ``GALAXY_CNN_SHAPES``, matched by their shapes."""
    found = {tuple(t.shape): t for t in tensors}
    shapes = sorted(found, key=str)
    missing = [s for s in GALAXY_CNN_SHAPES if s not in found]
    if missing or len(found) != len(GALAXY_CNN_SHAPES):
        raise AssertionError(f"{what} has parameter shapes {shapes}, expected {sorted(GALAXY_CNN_SHAPES, key=str)}")
    return [found[s].detach().float() for s in GALAXY_CNN_SHAPES]


def galaxy_cnn_forward(weights: list[torch.Tensor], x: torch.Tensor, skip_relu: int | None = None) -> torch.Tensor:
    """The specified GalaxyCNN written with torch.nn.functional (``skip_relu``: leave out ReLU number i)."""
    w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = weights
    relu = [F.relu] * 4
    if skip_relu is not None:
        relu[skip_relu] = lambda h: h
    h = F.max_pool2d(relu[0](F.conv2d(x, w1, b1)), 2)
    h = F.max_pool2d(relu[1](F.conv2d(h, w2, b2)), 2)
    h = relu[2](F.linear(h.flatten(1), w3, b3))
    h = relu[3](F.linear(h, w4, b4))
    return F.linear(h, w5, b5)


def parameters_of(model) -> list[torch.Tensor]:
    return [p for p in model.parameters()]


def implemented(call) -> None:
    """Re-raise if ``call()`` hits a stub (NotImplementedError); any other outcome is left to the test.

    Used by fixtures of property-based tests: hypothesis would otherwise call a stub hundreds of
    times while it looks for the smallest failing input.
    """
    try:
        call()
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - the test itself reports other problems, with an input
        pass


@pytest.fixture(scope="session")
def helpers():
    """The helper functions above, for the test files."""
    import types

    return types.SimpleNamespace(
        blob_images=blob_images, set_weights=set_weights, weights_by_shape=weights_by_shape,
        galaxy_cnn_forward=galaxy_cnn_forward, parameters_of=parameters_of, implemented=implemented,
        shapes=GALAXY_CNN_SHAPES, n_parameters=GALAXY_CNN_PARAMETERS,
    )


@pytest.fixture(scope="session")
def galaxy_file(tmp_path_factory):
    """A small Galaxy10.h5 in the real schema (60 synthetic images, seed 1)."""
    from autograder.data.synth_galaxy10 import write_galaxy10

    return write_galaxy10(tmp_path_factory.mktemp("galaxy10") / "Galaxy10.h5", n=60, seed=1)


@pytest.fixture(scope="module")
def fresh_galaxy_cnn(submission, helpers):
    """``make(seed)``: your GalaxyCNN with reproducible initial weights."""

    def make(seed: int = 0):
        model = submission.GalaxyCNN()
        helpers.set_weights(model, seed)
        return model

    return make
