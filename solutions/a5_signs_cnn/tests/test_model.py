"""Task 4: SignsCNN, by its layers with parameters and by the function it computes.

The docstring fixes the layers and the order in which they compute, not attribute names nor the order
in which the layers are registered, so the tests find each layer with parameters by its type and size
(wherever and under whatever name it is registered) and compare the model's output with the specified
stack computed here from the model's own weights.
"""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from autograder import expect

torch.set_num_threads(1)  # tiny tensors: threads only add overhead, more so on a busy machine
# No "explain" phase: after a failure it re-runs the test many times under a line tracer, which
# costs seconds with torch and adds nothing to what students see (the smallest failing input).
fast_failure = settings(phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink))
# test_output_is_log_probabilities builds a SignsCNN per example, so it runs FEW examples (the grading profile: 30).
# Detection power (instructor/measure_thresholds.py power): it fails for exactly the mutants it fails with 30
# examples, with 5 derandomized examples and with 10 random ones.
FEW = 10

pytestmark = pytest.mark.task("4", "SignsCNN")

# The layers with parameters, by role: (type, the sizes that identify it).
SPEC = {
    "conv1": ("Conv2d", (3, 4)), "conv2": ("Conv2d", (4, 8)),
    "bn1": ("BatchNorm2d", (4,)), "bn2": ("BatchNorm2d", (8,)),
    "fc1": ("Linear", (2048, 64)), "fc2": ("Linear", (64, 6)),
}
DESCRIBE = {"conv1": "Conv2d(3 -> 4, kernel 3, stride 1, padding 1)", "conv2": "Conv2d(4 -> 8, kernel 3, stride 1, padding 1)",
            "bn1": "BatchNorm2d(4)", "bn2": "BatchNorm2d(8)", "fc1": "Linear(2048 -> 64)", "fc2": "Linear(64 -> 6)"}


def _images(batch: int, seed: int) -> torch.Tensor:
    return torch.rand(batch, 3, 64, 64, generator=torch.Generator().manual_seed(seed))


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _sizes(module) -> tuple:
    kind = type(module).__name__
    if kind == "Conv2d":
        return module.in_channels, module.out_channels
    if kind == "BatchNorm2d":
        return (module.num_features,)
    if kind == "Linear":
        return module.in_features, module.out_features
    return ()


def _parametrized(model) -> list:
    """``(name, module)`` of every registered module that holds parameters itself, in any order."""
    found = []
    for name, module in model.named_modules():
        if any(True for _ in module.parameters(recurse=False)):
            found.append((name, module))
    return found


def _describe(name, module) -> str:
    sizes = _sizes(module)
    return f"{name or '(the model)'}: {type(module).__name__}{sizes if sizes else ''}"


def _layers(model) -> dict:
    """role -> (name, module) for the six layers with parameters, found by type and size; fails if one is
    missing, twice there, or another module holds parameters."""
    found = _parametrized(model)
    roles, extra = {}, []
    for name, module in found:
        role = next((r for r, spec in SPEC.items() if (type(module).__name__, _sizes(module)) == spec and r not in roles),
                    None)
        if role is None:
            extra.append(_describe(name, module))
        else:
            roles[role] = (name, module)
    missing = [DESCRIBE[r] for r in SPEC if r not in roles]
    if missing or extra:
        listing = "; ".join(_describe(n, m) for n, m in found) or "none"
        text = (f"SignsCNN should have " + ", ".join(DESCRIBE.values()) + " as layers with parameters; "
                + (f"missing: {', '.join(missing)}" if missing else "")
                + ("; " if missing and extra else "") + (f"not specified: {', '.join(extra)}" if extra else "")
                + f" (found: {listing})")
        linear = [m for _, m in found if type(m).__name__ == "Linear" and m.out_features == 64]
        if linear and linear[0].in_features != 2048:
            text += (f"\nlikely cause: the first Linear takes {linear[0].in_features} features; after the two "
                     "poolings the maps are (B, 8, 16, 16), which flatten to 8 * 16 * 16 = 2048")
        raise AssertionError(text)
    return roles


def _forward(model, x: torch.Tensor, mode: str) -> torch.Tensor:
    """``model(x)`` as a float32 (B, 6) tensor; an error in the student's forward is explained with the shapes."""
    call = f"SignsCNN()(x) in {mode} mode for x of shape {tuple(x.shape)}"
    try:
        out = model(x)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001
        raise expect.student_error(call, error, "with padding 1 and two 2x2 poolings the maps are (B, 8, 16, 16), "
                                                "which flatten to 2048 features") from None
    return expect.tensor(out, call, shape=(len(x), 6), dtype=torch.float32)


def _stack(weights: dict, x: torch.Tensor, train: bool, mistake: str = "") -> torch.Tensor:
    """The specified network, computed from ``weights`` (role -> dict of tensors); ``mistake`` computes a
    classic variant instead (for the diagnosis)."""
    def block(h, conv, bn):
        h = F.conv2d(h, weights[conv]["weight"], weights[conv].get("bias"), stride=1, padding=1)
        w = weights[bn]
        normalize = lambda v: F.batch_norm(v, w["running_mean"].clone(), w["running_var"].clone(), w["weight"],  # noqa: E731
                                           w["bias"], training=train, eps=w["eps"])
        h = F.relu(normalize(h)) if mistake != "bn_after_relu" else normalize(F.relu(h))
        return F.avg_pool2d(h, 2, 2) if mistake == "avg_pool" else F.max_pool2d(h, 2, 2)

    h = block(block(x.double(), "conv1", "bn1"), "conv2", "bn2").flatten(1)
    h = F.linear(h, weights["fc1"]["weight"], weights["fc1"]["bias"])
    h = h if mistake == "no_hidden_relu" else F.relu(h)
    return F.log_softmax(F.linear(h, weights["fc2"]["weight"], weights["fc2"]["bias"]), dim=1)


MISTAKES = {
    "bn_after_relu": "BatchNorm comes after the ReLU; it goes between each Conv2d and its ReLU",
    "avg_pool": "average pooling instead of max pooling",
    "no_hidden_relu": "the ReLU between the two Linear layers is missing",
}


def _weights(model) -> dict:
    """role -> the layer's parameters and BatchNorm statistics as float64 tensors, from one ``state_dict()``
    (one call into the sandbox: names and registration order do not matter, shapes identify the layers)."""
    groups: dict = {}
    for key, value in model.state_dict().items():
        prefix, _, leaf = key.rpartition(".")
        groups.setdefault(prefix, {})[leaf] = value.detach().double().clone() if value.is_floating_point() else value
    found, extra = {}, []
    for prefix, entry in groups.items():
        weight = entry.get("weight")
        if "running_mean" in entry and weight is not None:
            kind, sizes = "BatchNorm2d", (len(entry["running_mean"]),)
        elif weight is not None and weight.ndim == 4 and tuple(weight.shape[2:]) == (3, 3):
            kind, sizes = "Conv2d", (weight.shape[1], weight.shape[0])
        elif weight is not None and weight.ndim == 2:
            kind, sizes = "Linear", (weight.shape[1], weight.shape[0])
        else:
            kind, sizes = None, ()
        role = next((r for r, spec in SPEC.items() if (kind, sizes) == spec and r not in found), None)
        if role is None:
            extra.append(f"{prefix or '(the model)'}: {sorted(entry)} of shapes {[tuple(v.shape) for v in entry.values()]}")
        else:
            entry.setdefault("eps", 1e-5)  # BatchNorm2d's default; the docstring does not change it
            found[role] = entry
    missing = [DESCRIBE[r] for r in SPEC if r not in found]
    if missing or extra:
        raise AssertionError("the model's parameters do not match the specified layers: "
                             + (f"missing {', '.join(missing)}" if missing else "")
                             + ("; " if missing and extra else "") + (f"not specified: {'; '.join(extra)}" if extra else ""))
    return found


def _same_function(model, x: torch.Tensor, mode: str, atol: float = 1e-4) -> None:
    weights = _weights(model)  # before the call: a train-mode call updates the running statistics
    getattr(model, mode)()
    with torch.no_grad():
        got = _forward(model, x, mode)
    train = mode == "train"
    expect.close_or_diagnose(got, _stack(weights, x, train), f"SignsCNN output in {mode} mode", atol=atol, rtol=1e-4,
                             suspects=[(text, _stack(weights, x, train, m)) for m, text in MISTAKES.items()],
                             neutral="the layers or their order differ from the docstring")


@pytest.mark.points(1)
def test_parameter_count(submission):
    """SignsCNN has exactly 131,958 trainable parameters."""
    model = submission.SignsCNN()
    count = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if count == 131_958:
        return
    found = _parametrized(model)
    convs = [m for _, m in found if type(m).__name__ == "Conv2d"]
    if count == 131_958 - 12 and len(convs) == 2 and all(m.bias is None for m in convs):
        cause = ("the Conv2d layers have no bias (bias=False); the specified count includes their 4 + 8 biases "
                 "(BatchNorm makes them redundant, but the spec keeps them)")
    elif len(found) < 6 and _output_shape(model) == (2, 6):
        cause = ("layers that forward() uses are not registered in the model (kept in a plain Python list or dict, "
                 "or built inside forward): keep them in nn.Sequential, nn.ModuleList or as attributes")
    else:
        cause = ""
    raise AssertionError(f"SignsCNN has {count:,} trainable parameters, expected 131,958\n"
                         + (f"likely cause: {cause}" if cause else
                            "a layer size differs from the docstring (the first Linear takes 8 * 16 * 16 = 2048 "
                            "features), or a layer is missing or extra"))


def _output_shape(model):
    try:
        model.eval()
        with torch.no_grad():
            return tuple(model(_images(2, 0)).shape)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001  (the forward is graded by the other tests)
        return None


@pytest.mark.points(1)
@settings(fast_failure, max_examples=FEW)
@given(batch=st.integers(min_value=1, max_value=6), seed=st.integers(0, 2**16))
def test_output_is_log_probabilities(submission, batch, seed):
    """The output has shape (B, 6), dtype float32, and its exp() has rows that sum to 1, in train and eval mode."""
    torch.random.manual_seed(seed)
    model = submission.SignsCNN()
    for mode in ("train", "eval"):
        getattr(model, mode)()
        out = _forward(model, _images(batch, seed), mode).double()
        sums, ones = out.exp().sum(dim=1), torch.ones(batch, dtype=torch.float64)
        if torch.allclose(sums, ones, atol=1e-5):
            continue
        cause = ""
        if torch.allclose(out.sum(dim=1), ones, atol=1e-5) and (out >= 0).all():
            cause = "the output are probabilities (Softmax); the spec asks for their logarithm: nn.LogSoftmax(dim=1)"
        elif batch > 1 and torch.allclose(out.exp().sum(dim=0), torch.ones(6, dtype=out.dtype), atol=1e-5):
            cause = "the log-softmax runs over dim 0 (the batch); the classes are dim 1: nn.LogSoftmax(dim=1)"
        elif torch.allclose(out.exp().sum(dim=1), torch.full((batch,), 6.0, dtype=out.dtype), atol=1e-4):
            cause = "the log-softmax runs over a dimension of size 1 (or the batch of 1): use dim=1, the classes"
        expect.close_or_diagnose(sums, ones, f"exp(output).sum(dim=1) in {mode} mode", atol=1e-5,
                                 suspects=[(cause, sums)] if cause else [],
                                 neutral="end with a log-softmax over the class dimension (dim=1)")


@pytest.mark.points(1)
def test_layers_with_parameters(submission):
    """The layers with parameters are Conv2d(3->4) and Conv2d(4->8) (kernel 3, stride 1, padding 1), BatchNorm2d(4), BatchNorm2d(8), Linear(2048->64), Linear(64->6), under any names, in any registration order."""
    roles = _layers(submission.SignsCNN())
    for role in ("conv1", "conv2"):
        name, conv = roles[role]
        if _pair(conv.kernel_size) != (3, 3) or _pair(conv.stride) != (1, 1) or conv.padding not in ((1, 1), "same"):
            raise AssertionError(f"{name} is Conv2d(kernel={conv.kernel_size}, stride={conv.stride}, "
                                 f"padding={conv.padding}), expected {DESCRIBE[role]}")


@pytest.mark.points(1)
def test_computes_the_specified_layers(submission):
    """With its own weights, SignsCNN computes the docstring's layers in their order: in eval mode and in train mode (batch statistics)."""
    torch.random.manual_seed(0)
    model = submission.SignsCNN()
    x = _images(3, 2)
    _same_function(model, x, "eval")
    _same_function(model, x, "train")


@pytest.mark.points(1)
def test_batchnorm_right_after_each_convolution(submission):
    """In train mode the output does not change when the whole input batch is scaled by 2 or 4 (BatchNorm right after the first Conv2d removes the scale)."""
    # Conv2d is linear, so conv(a x) = a (conv(x) - bias) + bias, and BatchNorm (batch statistics in train mode)
    # removes the scale a and the bias exactly (up to its eps); a ReLU or pooling in between keeps the bias and
    # breaks this. Max |change| over 5 seeds (instructor/measure_thresholds.py): reference 1.2e-5 4.4e-5 1.5e-5
    # 7e-6 7e-6 (max 4.4e-5); BatchNorm after the ReLU 0.17 0.11 0.42 0.22 0.066 (min 0.066). Tolerance 2e-3.
    torch.random.manual_seed(0)
    model = submission.SignsCNN()
    model.train(True)
    x = _images(8, 1)
    base = _forward(model, x, "train")
    for a in (2.0, 4.0):
        scaled = _forward(model, a * x, "train")
        # Only a missing or misplaced normalization changes the output under scaling (the test's premise).
        expect.close(scaled, base, f"output for the input scaled by {a:g}", atol=2e-3, rtol=0,
                     hint="the input's scale reaches the output: BatchNorm2d is not directly after each Conv2d "
                          "(it goes before the ReLU)")


### BEGIN HIDDEN TESTS
@pytest.mark.hidden
@pytest.mark.points(2)
@settings(fast_failure, max_examples=8)  # each example runs the model four times in the sandbox
@given(batch=st.integers(min_value=2, max_value=5), seed=st.integers(0, 2**16))
def test_same_function_as_the_specified_network(submission, batch, seed):
    """With its own weights and random BatchNorm scales and shifts, SignsCNN computes exactly the specified layer stack, in train and in eval mode, for any batch size."""
    torch.random.manual_seed(seed)
    model = submission.SignsCNN()
    g = torch.Generator().manual_seed(seed)
    state = model.state_dict()
    for key in [k for k in state if k.endswith("running_mean")]:  # non-trivial BatchNorm parameters and statistics,
        prefix, n = key[: -len("running_mean")], len(state[key])     # so that their placement matters
        state[prefix + "weight"] = 1 + 0.3 * torch.randn(n, generator=g)
        state[prefix + "bias"] = 0.3 * torch.randn(n, generator=g)
        state[prefix + "running_mean"] = 0.2 * torch.randn(n, generator=g)
        state[prefix + "running_var"] = 0.5 + torch.rand(n, generator=g)
    model.load_state_dict(state)
    x = _images(batch, seed)
    _same_function(model, x, "eval")
    _same_function(model, x, "train")
### END HIDDEN TESTS
