"""Task 3: GalaxyCNN, exactly the specified layers."""
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder import expect

pytestmark = pytest.mark.task("3", "GalaxyCNN")

RELU_NAMES = ["after the first convolution", "after the second convolution", "after Linear(3136 -> 64)",
              "after Linear(64 -> 32)"]


def count_hint(n: int) -> str | None:
    """The mistake that gives exactly ``n`` parameters, if it is a known one."""
    def total(c1, c2, side):
        flat = c2 * side * side
        return (3 * 25 + 1) * c1 + (c1 * 25 + 1) * c2 + (flat + 1) * 64 + 65 * 32 + 33 * 10
    known = {
        total(16, 8, 14): "the two convolutions have their channel counts swapped: 3 -> 8 first, then 8 -> 16",
        total(8, 16, 17): "padding keeps the size ('same'): the convolutions use no padding, so 69 -> 65 -> 32 -> 28 -> 14",
    }
    return known.get(n)


def count_failure(message: str, n: int) -> None:
    cause = count_hint(n)
    expect._fail(message + ("" if cause else "\nhint: compare your layers with the table in the docstring"), cause)


def image_batch(b: int, seed: int) -> torch.Tensor:
    return torch.randn(b, 3, 69, 69, generator=torch.Generator().manual_seed(seed))


@pytest.mark.points(2)
def test_parameter_count(submission, helpers):
    """GalaxyCNN has exactly 207,002 trainable parameters."""
    model = submission.GalaxyCNN()
    n = sum(p.numel() for p in helpers.parameters_of(model) if p.requires_grad)
    if n != helpers.n_parameters:
        count_failure(f"GalaxyCNN has {n:,} trainable parameters, expected {helpers.n_parameters:,}", n)


@pytest.mark.points(2)
def test_layer_shapes(submission, helpers):
    """The weights have the shapes of Conv(3->8, k5), Conv(8->16, k5), Linear 3136->64->32->10."""
    shapes = sorted((tuple(p.shape) for p in helpers.parameters_of(submission.GalaxyCNN())), key=str)
    expected = sorted(helpers.shapes, key=str)
    if shapes != expected:
        extra = [s for s in shapes if s not in expected]
        missing = [s for s in expected if s not in shapes]
        count_failure(f"GalaxyCNN has parameters of shapes {extra} where {missing} are expected",
                      sum(torch.Size(s).numel() for s in shapes))


@pytest.mark.points(2)
@given(batch=st.integers(1, 6))
def test_logits_shape_for_any_batch_size(submission, models, batch):
    """A batch of B images (B, 3, 69, 69) gives float32 logits of shape (B, 10)."""
    call = f"GalaxyCNN()(x) for x of shape ({batch}, 3, 69, 69)"
    merged = ("the batch dimension is lost: it is flattened into the features or squeezed away (a batch of one); "
              "flatten from dimension 1 (nn.Flatten() or x.flatten(1)) and do not squeeze the output")
    try:
        logits = models(0)(image_batch(batch, batch))
    except (NotImplementedError, AssertionError):
        raise
    except Exception as exc:  # noqa: BLE001 - the student's forward pass failed: say which call, which shapes
        expect._fail(f"{call} raised {type(exc).__name__}: {exc}", merged if str(batch * 3136) in str(exc) else None)
    if isinstance(logits, torch.Tensor) and tuple(logits.shape) != (batch, 10):
        expect._fail(f"{call} has shape {tuple(logits.shape)}, expected ({batch}, 10)",
                     merged if logits.numel() == 10 * batch and logits.ndim == 1 else None)
    logits = expect.tensor(logits, call, shape=(batch, 10), dtype=torch.float32)
    expect.close(logits, logits, "logits")  # finite


@pytest.fixture(scope="module")
def models(fresh_galaxy_cnn):
    """``models(seed)``: your GalaxyCNN with reproducible weights, built once per seed."""
    built = {0: fresh_galaxy_cnn(0)}  # built here: a stub fails once, not once per example
    built[0].train(False)

    def get(seed: int):
        if seed not in built:
            built[seed] = fresh_galaxy_cnn(seed)
            built[seed].train(False)
        return built[seed]

    return get


def check_forward(model, helpers, x: torch.Tensor) -> None:
    weights = helpers.weights_by_shape(helpers.parameters_of(model), "GalaxyCNN")
    got = expect.tensor(model(x), "GalaxyCNN logits", shape=(len(x), 10))
    expected = helpers.galaxy_cnn_forward(weights, x)
    if torch.allclose(got, expected, atol=1e-4, rtol=1e-4):
        return
    suspects = [(f"the ReLU {where} is missing", lambda i=i: helpers.galaxy_cnn_forward(weights, x, skip_relu=i))
                for i, where in enumerate(RELU_NAMES)]
    suspects.append(("the model returns probabilities (softmax); it should return the raw logits of the last Linear layer",
                     lambda: torch.softmax(expected, dim=1)))
    expect.close_diagnosed(got, expected, "GalaxyCNN logits", atol=1e-4, rtol=1e-4, suspects=suspects,
                           advice="check the order of the layers: Conv, ReLU, MaxPool, Conv, ReLU, MaxPool, Flatten, "
                                  "Linear, ReLU, Linear, ReLU, Linear")


@pytest.mark.points(3)
def test_forward_matches_the_specified_layers(submission, models, helpers):
    """With your weights, the logits equal Conv-ReLU-Pool-Conv-ReLU-Pool-Flatten-Linear-ReLU-Linear-ReLU-Linear."""
    check_forward(models(1), helpers, image_batch(3, 0))


### BEGIN HIDDEN TESTS
@pytest.mark.hidden
@pytest.mark.points(1)
@given(batch=st.integers(1, 4), seed=st.sampled_from([2, 3, 4]), scale=st.sampled_from([0.1, 1.0, 5.0]))
def test_forward_matches_for_random_inputs(submission, models, helpers, batch, seed, scale):
    """The logits equal the specified layers for several weights, inputs and input scales."""
    check_forward(models(seed), helpers, scale * image_batch(batch, seed))
### END HIDDEN TESTS
