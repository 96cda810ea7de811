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


### BEGIN HIDDEN TESTS
def _reference_layers(latent_dim: int) -> torch.nn.Sequential:
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
        nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(2048, latent_dim),
        nn.Linear(latent_dim, 2048), nn.ReLU(), nn.Unflatten(1, (128, 4, 4)),
        nn.ConvTranspose2d(128, 64, 3, 2, 1, 0), nn.ReLU(), nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, 2, 1, 1), nn.Sigmoid(),
    )


@pytest.mark.hidden
@pytest.mark.points(2)
def test_conv_matches_the_specified_layers(submission):
    """With the same weights, ConvAutoencoder(d) computes exactly the layers of its docstring (d = 3, 10, 100, 250)."""
    for latent_dim in LATENT_DIMS:
        _compare_with_reference(submission, latent_dim)


def _without(layers, drop: set[int] = frozenset(), add_after: dict | None = None):
    """The reference layers with some removed (by index) or added after an index: a classic mistake replayed."""
    out = []
    for i, layer in enumerate(layers):
        if i not in drop:
            out.append(layer)
        if add_after and i in add_after:
            out.append(add_after[i])
    return torch.nn.Sequential(*out)


def _compare_with_reference(submission, latent_dim):
    from torch import nn

    model = submission.ConvAutoencoder(latent_dim)
    torch.manual_seed(latent_dim)
    reference = _reference_layers(latent_dim)
    halves = {"encoder": list(reference)[:8], "decoder": list(reference)[8:]}
    # Weights go by module path: encoder's parameters to the encoder, decoder's to the decoder, each in the
    # order of its layers (the order the docstring fixes), whatever order the two halves were registered in.
    for part, layers in halves.items():
        tensors = [p.detach().clone() for layer in layers for p in layer.parameters()]
        mine = list(getattr(model, part).named_parameters())
        shapes, got_shapes = [tuple(t.shape) for t in tensors], [tuple(p.shape) for _, p in mine]
        assert got_shapes == shapes, (
            f"ConvAutoencoder({latent_dim}).{part} has parameters of shapes {got_shapes}, expected (in layer order) "
            f"{shapes}\nthings to check: the layers of the {part}, their order and their biases, as in the docstring")
        getattr(model, part).load_state_dict({name: t for (name, _), t in zip(mine, tensors)})
    x = _images(3, latent_dim)
    layers = list(reference)
    with torch.no_grad():
        expected = reference(x)
        got = _shape_check(model(x), f"ConvAutoencoder({latent_dim})(x)", (3, 1, 28, 28), SIZE_HINT)
    expect.close_with_suspects(
        got, expected, f"ConvAutoencoder({latent_dim})(x) with the reference weights", atol=1e-5,
        suspects=[("a ReLU after the bottleneck Linear(2048, latent_dim): the latent code is linear",
                   lambda: _without(layers, add_after={7: nn.ReLU()})(x)),
                  ("no ReLU after the decoder's Linear(latent_dim, 2048)", lambda: _without(layers, drop={9})(x)),
                  ("no sigmoid at the end of the decoder", lambda: _without(layers, drop={16})(x)),
                  ("a ReLU is missing after one of the encoder's convolutions",
                   lambda: next((y for y in (_without(layers, drop={i})(x) for i in (1, 3, 5))
                                 if torch.allclose(y, got, atol=1e-5)), expected)),
                  ("a ReLU is missing after one of the decoder's transposed convolutions",
                   lambda: next((y for y in (_without(layers, drop={i})(x) for i in (12, 14))
                                 if torch.allclose(y, got, atol=1e-5)), expected))],
        check="strides, paddings, output_padding, the ReLUs (after every conv layer and after the decoder's Linear, "
              "none on the bottleneck) and the final sigmoid")
### END HIDDEN TESTS
