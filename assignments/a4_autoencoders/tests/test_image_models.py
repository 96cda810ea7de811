"""Task 3: the convolutional and the linear autoencoder for 1x28x28 images."""
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import expect

no_grad = torch.no_grad
# Small models: on a shared CPU extra threads cost more than they save.
torch.set_num_threads(1)

pytestmark = pytest.mark.task("3", "ConvAutoencoder and LinearAutoencoder")

# Property tests that build or train a model in every example run FEW examples (the grading profile: 30).
# Detection power (instructor/measure.py power, all 50 mutants): each of them fails for exactly the mutants
# it fails with 30 examples, with 5 derandomized examples and with 10 random ones.
FEW = 10


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
def conv_runs(submission):
    _implemented(lambda: submission.ConvAutoencoder(3)(torch.zeros(1, 1, 28, 28)))


@pytest.fixture(scope="module")
def linear_runs(submission):
    _implemented(lambda: submission.LinearAutoencoder(3)(torch.zeros(1, 1, 28, 28)))

LATENT_DIMS = (3, 10, 100, 250)
SIZE_HINT = ("each ConvTranspose2d gives (H_in - 1) * stride - 2 * padding + kernel + output_padding: the decoder "
             "must go 4 -> 7 -> 14 -> 28 (choose output_padding per layer)")


def _shape_check(value, name: str, shape: tuple, hint: str) -> torch.Tensor:
    value = expect.tensor(value, name)
    if tuple(value.shape) != shape:
        raise AssertionError(f"{name} has shape {tuple(value.shape)}, expected {shape}\nlikely cause: {hint}")
    return value


def _images(batch: int, seed: int) -> torch.Tensor:
    return torch.rand(batch, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def _count(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.points(2)
@given(latent_dim=st.sampled_from(LATENT_DIMS), batch=st.integers(1, 12), seed=st.integers(0, 2**16))
@settings(max_examples=FEW)
def test_conv_output_has_the_input_shape(submission, conv_runs, latent_dim, batch, seed):
    """ConvAutoencoder(d)(x) has shape (B, 1, 28, 28) for d in 3, 10, 100, 250 and any batch size."""
    model = submission.ConvAutoencoder(latent_dim)
    with no_grad():
        out = model(_images(batch, seed))
    _shape_check(out, f"ConvAutoencoder({latent_dim})(x) for x of shape ({batch}, 1, 28, 28)", (batch, 1, 28, 28),
                 SIZE_HINT)


@pytest.mark.points(1)
@given(latent_dim=st.sampled_from(LATENT_DIMS), batch=st.integers(1, 6))
@settings(max_examples=FEW)
def test_conv_encoder_and_decoder_shapes(submission, conv_runs, latent_dim, batch):
    """encoder: (B, 1, 28, 28) -> (B, latent_dim); decoder: (B, latent_dim) -> (B, 1, 28, 28)."""
    model = submission.ConvAutoencoder(latent_dim)
    with no_grad():
        code = model.encoder(_images(batch, 0))
        _shape_check(code, f"ConvAutoencoder({latent_dim}).encoder(x)", (batch, latent_dim),
                     "flatten the 128 x 4 x 4 feature map (2048 values) and map it with Linear(2048, latent_dim)")
        out = model.decoder(torch.randn(batch, latent_dim))
    _shape_check(out, f"ConvAutoencoder({latent_dim}).decoder(z)", (batch, 1, 28, 28), SIZE_HINT)


@pytest.mark.points(1)
def test_conv_output_is_a_sigmoid(submission):
    """Reconstructions lie in [0, 1], even for inputs far outside [0, 1]."""
    model = submission.ConvAutoencoder(10)
    with no_grad():
        for scale in (1.0, 50.0):
            out = _shape_check(model(torch.randn(4, 1, 28, 28) * scale), "ConvAutoencoder(10)(x)", (4, 1, 28, 28),
                               SIZE_HINT)
            assert out.min() >= 0 and out.max() <= 1, (
                f"reconstructions range over [{out.min():.3g}, {out.max():.3g}], expected values in [0, 1]"
                "\nlikely cause: the decoder must end with nn.Sigmoid()")


@pytest.mark.points(1)
def test_conv_parameter_count(submission):
    """ConvAutoencoder(d) has 187,265 + 4,097 d trainable parameters (the layers of the docstring)."""
    for latent_dim in (3, 10):
        got = _count(submission.ConvAutoencoder(latent_dim))
        expected = 187265 + 4097 * latent_dim
        if got == expected:
            continue
        # one bias per output channel: encoder convs 32 + 64 + 128, decoder transposed convs 64 + 32 + 1
        if expected - got in (224, 97, 321):
            cause = "\nlikely cause: the convolutions have no bias (bias=False): every layer of the docstring keeps its bias"
        elif got == expected - latent_dim - 2048:
            cause = "\nlikely cause: the two Linear layers (2048 <-> latent_dim) have no bias: they keep their biases"
        else:
            cause = ("\nthings to check: the channels (1 -> 32 -> 64 -> 128 and back), kernel 3, and the two Linear "
                     "layers 2048 <-> latent_dim, each with a bias")
        raise AssertionError(f"ConvAutoencoder({latent_dim}) has {got:,} parameters, expected {expected:,}{cause}")


@pytest.mark.points(1)
@given(batch=st.integers(1, 8), latent_dim=st.sampled_from((3, 10)), a=st.floats(-2, 2), seed=st.integers(0, 2**16))
@settings(max_examples=FEW)
def test_linear_autoencoder_is_linear_and_bias_free(submission, linear_runs, batch, latent_dim, a, seed):
    """LinearAutoencoder(d): (B, 1, 28, 28) -> same shape, a linear map with 2 * 784 * d parameters."""
    model = submission.LinearAutoencoder(latent_dim)
    params = sorted(tuple(p.shape) for p in model.parameters())
    weights = sorted([(latent_dim, 784), (784, latent_dim)])
    if params != weights:
        biases = [s for s in params if s not in weights]
        verified = [s for s in params if s in weights] == weights and set(biases) <= {(latent_dim,), (784,)}
        raise AssertionError(
            f"LinearAutoencoder({latent_dim}) has parameters of shapes {params}, expected one ({latent_dim}, 784) and "
            f"one (784, {latent_dim}) weight" + ("\nlikely cause: the nn.Linear layers have biases: both need bias=False"
                                                 if verified else ""))
    x, y = _images(batch, seed), _images(batch, seed + 1)
    with no_grad():
        out = _shape_check(model(a * x + y), f"LinearAutoencoder({latent_dim})(x)", (batch, 1, 28, 28),
                           "flatten to 784 values, map down and up, and unflatten back to (1, 28, 28)")
        expect.close(out, a * model(x) + model(y), "f(a x + y) vs a f(x) + f(y)", atol=1e-4, rtol=1e-4,
                     hint="an activation in the model (it has no biases, so only a nonlinear layer breaks "
                          "linearity): no activation anywhere")


@pytest.mark.points(1)
def test_linear_autoencoder_encoder_gives_the_code(submission):
    """LinearAutoencoder(d).encoder maps (B, 1, 28, 28) to (B, d); its decoder maps back."""
    for latent_dim in (3, 10, 100):
        model = submission.LinearAutoencoder(latent_dim)
        with no_grad():
            code = _shape_check(model.encoder(_images(5, latent_dim)), f"LinearAutoencoder({latent_dim}).encoder(x)",
                                (5, latent_dim), "the encoder flattens and then applies Linear(784, latent_dim)")
            _shape_check(model.decoder(code), f"LinearAutoencoder({latent_dim}).decoder(z)", (5, 1, 28, 28),
                         "the decoder applies Linear(latent_dim, 784) and unflattens to (1, 28, 28)")


