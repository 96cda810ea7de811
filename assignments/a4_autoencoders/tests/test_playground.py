"""Task 5 (bonus): the offline MLP playground: data sets, split, MLP, L1/L2 penalty, training."""
import copy
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from autograder import expect

# Tiny models: on a shared CPU extra threads cost more than they save.
torch.set_num_threads(1)

pytestmark = pytest.mark.task("5", "MLP playground (bonus)", bonus=True)

NAMES = ("circle", "xor", "gauss", "spiral")
ACTIVATION_TYPES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Identity"}
TOL = 1e-5  # float32 rounding of radii and angles


def _data(submission, name, n, noise=0.0, seed=0):
    """``make_dataset`` checked for types and shapes, as float64 points and int64 labels."""
    X, y = expect.call(submission.make_dataset, name, n, noise, seed,
                       description=f"make_dataset({name!r}, {n}, noise={noise}, seed={seed})")
    expect.tensor(X, f"X of make_dataset({name!r}, {n})", shape=(n, 2), dtype=torch.float32)
    expect.tensor(y, f"y of make_dataset({name!r}, {n})", shape=(n,))
    if y.dtype != torch.int64:
        expect._fail(f"y of make_dataset({name!r}, {n}) has dtype {y.dtype}, expected torch.int64",
                     "the labels are class indices for cross_entropy: an int64 tensor (torch.long)")
    return X.double(), y


def _class_sizes(name, y, n):
    ones = int((y == 1).sum())
    if ones != n // 2 or int((y == 0).sum()) != n - n // 2:
        expect._fail(f"make_dataset({name!r}, {n}) has {ones} points of class 1 and {int((y == 0).sum())} of class 0, "
                     f"expected {n // 2} and {n - n // 2}",
                     "class 1 and class 0 are swapped (class 1 is the smaller half, n // 2 points)"
                     if ones == n - n // 2 and n % 2 else None)


@pytest.mark.points(1)
def test_datasets_have_the_right_shapes_dtypes_and_labels(submission):
    """Every data set: X float32 (n, 2), y int64 (n,) in {0, 1}; an unknown name raises ValueError."""
    for name in NAMES:
        for n in (1, 7, 50):
            _, y = _data(submission, name, n)
            if not set(y.tolist()) <= {0, 1}:
                expect._fail(f"make_dataset({name!r}, {n}) has labels {sorted(set(y.tolist()))}, expected only 0 and 1")
    expect.raises_checked(ValueError, lambda: submission.make_dataset("moons", 10), "make_dataset('moons', 10)",
                          "the name is not checked: raise ValueError for a name other than circle, xor, gauss, spiral")


@pytest.mark.points(1)
def test_datasets_are_reproducible_from_the_seed(submission):
    """The same seed gives the same data, another seed other data."""
    for name in NAMES:
        X1, y1 = _data(submission, name, 40, 0.1, seed=3)
        X2, y2 = _data(submission, name, 40, 0.1, seed=3)
        X3, _ = _data(submission, name, 40, 0.1, seed=4)
        if not (torch.equal(X1, X2) and torch.equal(y1, y2)):
            expect._fail(f"make_dataset({name!r}, 40, seed=3) gave different data in two calls",
                         "some random numbers do not come from g = torch.Generator().manual_seed(seed): "
                         "pass generator=g to every torch.rand / torch.randn")
        if torch.equal(X1, X3):
            expect._fail(f"make_dataset({name!r}, 40) gave the same points for seeds 3 and 4",
                         "the generator is not seeded with `seed`: g = torch.Generator().manual_seed(seed)")


@pytest.mark.points(1)
def test_circle_labels_by_radius(submission):
    """circle: class 1 inside the unit disc with radius uniform on [0, 1), class 0 on the ring 1.5 <= r < 2.5."""
    n = 2000
    X, y = _data(submission, "circle", n, seed=1)
    radius = X.norm(dim=1)
    inner, outer = radius[y == 1], radius[y == 0]
    if len(inner) and len(outer) and bool((inner >= 1.5 - TOL).all()) and bool((outer < 1 + TOL).all()):
        expect._fail("class 1 lies on the ring and class 0 inside the disc",
                     "the labels are inverted: class 1 is the inner disc (r < 1), class 0 the ring")
    _class_sizes("circle", y, n)
    if not bool((inner < 1 + TOL).all()):
        expect._fail(f"a point of class 1 has radius {inner.max().item():.4g}, expected below 1 (noise=0)")
    if not bool(((outer >= 1.5 - TOL) & (outer < 2.5 + TOL)).all()):
        bad = outer[(outer < 1.5 - TOL) | (outer >= 2.5 + TOL)][0].item()
        expect._fail(f"a point of class 0 has radius {bad:.4g}, expected 1.5 <= r < 2.5 (noise=0)")
    # Radius r = s uniform on [0, 1): mean 1/2, sd 1/sqrt(12); five standard errors of the mean.
    tolerance = 5 / math.sqrt(12 * len(inner))
    expect.scalar_close(inner.mean().item(), 0.5, "mean radius of class 1", atol=tolerance,
                        hint="the radius itself is uniform, r = s (not sqrt(s), which is uniform in area)"
                        if abs(inner.mean().item() - 2 / 3) < tolerance else None)


@pytest.mark.points(1)
def test_xor_labels_by_sign_product(submission):
    """xor: points uniform in [-2, 2]^2, class 1 exactly where x_1 * x_2 > 0."""
    n = 1000
    X, y = _data(submission, "xor", n, seed=2)
    if not bool((X.abs() <= 2 + TOL).all()):
        expect._fail(f"xor has a coordinate {X.abs().max().item():.4g} outside [-2, 2] (noise=0)")
    if X.abs().max().item() < 1.5:
        expect._fail(f"xor's points reach only |x| = {X.abs().max().item():.3g}, expected the square [-2, 2] x [-2, 2]")
    expected = (X[:, 0] * X[:, 1] > 0).long()
    wrong = int((y != expected).sum())
    if wrong:
        expect._fail(f"{wrong} of {n} xor labels differ from (x_1 * x_2 > 0)",
                     "the labels are flipped: class 1 is where x_1 * x_2 > 0 (first and third quadrants)"
                     if wrong == n else None)


@pytest.mark.points(1)
def test_gauss_clusters(submission):
    """gauss: class 1 around (1, 1), class 0 around (-1, -1), standard deviation 0.5 per coordinate."""
    n = 2000
    X, y = _data(submission, "gauss", n, seed=3)
    _class_sizes("gauss", y, n)
    for label, centre in ((1, 1.0), (0, -1.0)):
        points = X[y == label]
        # Five standard errors of the mean (0.5 / sqrt(1000) = 0.016) and of the sd (0.5 / sqrt(2000) = 0.011).
        expect.close(points.mean(dim=0), torch.full((2,), centre), f"centre of class {label}", atol=0.08,
                     hint="class 1 is centred at (1, 1), class 0 at (-1, -1)"
                     if bool((points.mean(dim=0) * centre < 0).all()) else None)
        std = points.std(dim=0)
        expect.close(std, torch.full((2,), 0.5), f"standard deviation of class {label}", atol=0.06,
                     hint="0.5 is the standard deviation: multiply torch.randn by 0.5 (not by 0.25, the variance)"
                     if bool((std - 0.25).abs().max() < 0.06) else None)


def _arm_fit(X, y, phase_of_class_1):
    """Per point, cos of the angle between it and the spiral arm's direction at its radius."""
    radius = X.norm(dim=1)
    theta = 3 * math.pi * radius / 2.5 + math.pi * (y.double() if phase_of_class_1 else 0 * y.double())
    direction = torch.stack([torch.cos(theta), torch.sin(theta)], dim=1)
    return (direction * X).sum(dim=1) / radius.clamp_min(1e-12), radius


@pytest.mark.points(1)
def test_spiral_two_arms(submission):
    """spiral: radius 2.5 s, angle 3 pi s + pi y; the arm of class 1 is the arm of class 0 turned by pi."""
    n = 1000
    X, y = _data(submission, "spiral", n, seed=4)
    fit, radius = _arm_fit(X, y, True)
    if not bool((radius < 2.5 + TOL).all()):
        expect._fail(f"a spiral point has radius {radius.max().item():.4g}, expected below 2.5 (noise=0)")
    far = radius > 0.05  # the angle of a point at the centre is not defined by its position
    off = int((fit[far] < 1 - 1e-3).sum())
    if off:
        one_arm, _ = _arm_fit(X, y, False)
        expect._fail(f"{off} of {int(far.sum())} spiral points are not on their arm "
                     "(r, theta) = (2.5 s, 3 pi s + pi y)",
                     "both classes lie on one arm: class 1's arm is class 0's turned by pi (theta + pi * y)"
                     if bool((one_arm[far] > 1 - 1e-3).all()) else None)
    _class_sizes("spiral", y, n)


@pytest.mark.points(1)
def test_noise_is_added_after_the_labels(submission):
    """noise: Gaussian with sd `noise` on both coordinates, added after labelling (labels are not recomputed)."""
    n = 2000
    X, y = _data(submission, "gauss", n, noise=0.4, seed=5)
    expected = math.sqrt(0.5**2 + 0.4**2)
    std = X[y == 1].std(dim=0)
    expect.close(std, torch.full((2,), expected), "sd of class 1 of gauss with noise=0.4", atol=0.06,
                 hint="the noise is not added: X + noise * torch.randn(n, 2, generator=g)"
                 if bool((std - 0.5).abs().max() < 0.06) else None)
    X, y = _data(submission, "xor", n, noise=0.4, seed=5)
    if bool((y == (X[:, 0] * X[:, 1] > 0).long()).all()):
        expect._fail("with noise=0.4 every xor label still matches the sign of x_1 * x_2 of the noisy point",
                     "the labels are computed after the noise is added: fix them on the noiseless points")


@pytest.mark.points(1)
@given(n=st.integers(1, 60), ratio=st.sampled_from([0.0, 0.29, 0.5, 0.7, 1.0]), seed=st.integers(0, 2**16))
def test_split_train_test(submission, n, ratio, seed):
    """split_train_test: rows perm[:round(ratio n)] for training, the rest for testing, labels kept."""
    X = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))
    y = torch.arange(n)
    name = f"split_train_test(X, y, {ratio}, seed={seed}) with n={n}"
    got = expect.call(submission.split_train_test, X, y, ratio, seed, description=name)
    if not isinstance(got, tuple) or len(got) != 4:
        expect._fail(f"{name} should return a tuple (X_train, y_train, X_test, y_test)")
    X_train, y_train, X_test, y_test = got
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    k = round(ratio * n)
    if len(X_train) != k:
        expect._fail(f"{name}: X_train has {len(X_train)} rows, expected round({ratio} * {n}) = {k}",
                     "n_train = round(train_ratio * n), not int(...) (int(0.29 * 100) is 28)"
                     if len(X_train) == int(ratio * n) else None)
    expect.tensor(X_train, "X_train", shape=(k, 2))
    expect.tensor(X_test, "X_test", shape=(n - k, 2))
    expect.tensor(y_train, "y_train", shape=(k,))
    expect.tensor(y_test, "y_test", shape=(n - k,))
    rows_x = torch.equal(X_train, X[perm[:k]]) and torch.equal(X_test, X[perm[k:]])
    rows_y = torch.equal(y_train, y[perm[:k]]) and torch.equal(y_test, y[perm[k:]])
    if rows_x and rows_y:
        return
    labels = torch.cat([y_train, y_test])  # y = arange(n): each label names its row
    is_permutation = sorted(labels.tolist()) == list(range(n))
    paired = is_permutation and torch.equal(torch.cat([X_train, X_test]), X[labels])
    if not paired:
        expect._fail(f"{name}: a point and its label are in different rows",
                     "y is not indexed with the same rows as X: each point must keep its label" if rows_x else
                     "X is not indexed with the same rows as y: each point must keep its label" if rows_y else None)
    expect._fail(f"{name}: the training rows are {y_train.tolist()[:8]}, expected perm[:n_train] = "
                 f"{perm[:k].tolist()[:8]}",
                 "perm must come from torch.randperm(n, generator=torch.Generator().manual_seed(seed))")


def _layers(model) -> list[str]:
    try:
        layers = list(model)
    except TypeError:
        raise AssertionError(f"build_mlp should return an nn.Sequential, got {type(model).__name__}") from None
    names = []
    for layer in layers:
        kind = type(layer).__name__
        if kind == "Linear":
            names.append(f"Linear({layer.in_features} -> {layer.out_features}"
                         + (", bias=False" if layer.bias is None else "") + ")")
        else:
            names.append(kind)
    return names


@pytest.fixture(scope="module")
def builds(submission):
    expect.implemented(lambda: submission.build_mlp((3,), "tanh"))


@pytest.mark.points(1)
@given(hidden=st.lists(st.integers(1, 6), max_size=3), activation=st.sampled_from(sorted(ACTIVATION_TYPES)))
def test_build_mlp_layers(submission, builds, hidden, activation):
    """build_mlp: Linear(2, h_1), act, ..., Linear(h_k, 2), act chosen by name, none on the logits."""
    widths = [2, *hidden, 2]
    expected = []
    for i in range(len(widths) - 1):
        expected.append(f"Linear({widths[i]} -> {widths[i + 1]})")
        if i < len(widths) - 2:
            expected.append(ACTIVATION_TYPES[activation])
    got = _layers(expect.call(submission.build_mlp, tuple(hidden), activation,
                              description=f"build_mlp({tuple(hidden)}, {activation!r})"))
    if got == expected:
        return
    cause = None
    if [g.replace(", bias=False", "") for g in got] == expected:
        cause = "every nn.Linear keeps its bias (the playground's neurons have one)"
    elif got[:-1] == expected and got[-1] in ACTIVATION_TYPES.values():
        cause = "an activation after the last Linear: the output layer gives logits, with no activation"
    elif [g for g in got if not g.startswith("Linear")] and all(g.startswith("Linear") or g == got[1]
                                                                 for g in got) and len(got) == len(expected):
        cause = f"{got[1]} for activation={activation!r}: pick the activation by its name"
    expect._fail(f"build_mlp({tuple(hidden)}, {activation!r}) is {got}, expected {expected}", cause)


@pytest.mark.points(1)
def test_build_mlp_rejects_unknown_activation(submission):
    """An activation other than relu, tanh, sigmoid, linear raises ValueError."""
    expect.raises_checked(ValueError, lambda: submission.build_mlp((3,), "softmax"), "build_mlp((3,), 'softmax')",
                          "the activation name is not checked: raise ValueError for an unknown one")


def _net(hidden, seed):
    torch.manual_seed(seed)
    widths = [2, *hidden, 2]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def _penalty(model, kind, rate, *, abs_=True, half=True, biases=False, root=False, use_rate=True):
    """The playground's penalty, or one classic mistake of it."""
    tensors = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
    if biases:
        tensors += [m.bias for m in model.modules() if isinstance(m, nn.Linear)]
    if kind == "l1":
        total = sum((t.abs() if abs_ else t).sum() for t in tensors)
    else:
        total = sum(t.square().sum() for t in tensors)
        total = total.sqrt() if root else (0.5 * total if half else total)
    return float((rate if use_rate else 1.0) * total.detach())


@pytest.mark.points(1)
@given(hidden=st.lists(st.integers(1, 5), max_size=2), kind=st.sampled_from(["l1", "l2"]),
       rate=st.sampled_from([0.003, 0.1, 2.0]), seed=st.integers(0, 2**16))
def test_penalty_value(submission, hidden, kind, rate, seed):
    """l1: rate * sum |w|; l2: rate * (1/2) * sum w^2; over the Linear weights only (no biases)."""
    model = _net(hidden, seed)
    expected = _penalty(model, kind, rate)
    name = f"regularization_penalty(model, {kind!r}, {rate}) for hidden={hidden}"
    got = expect.call(submission.regularization_penalty, copy.deepcopy(model), kind, rate, description=name)
    value = expect.tensor(got, name)
    if value.dim() != 0:
        expect._fail(f"{name} has shape {tuple(value.shape)}, expected a 0-dim tensor (one number)")
    suspects = [
        ("the biases are penalised too: only the weights (m.weight of each nn.Linear) count",
         _penalty(model, kind, rate, biases=True)),
        ("rate is not applied: multiply the sum by rate", _penalty(model, kind, rate, use_rate=False)),
        ("rate * sum w without abs: L1 sums the absolute values |w|", _penalty(model, kind, rate, abs_=False)),
        ("L2 without the 1/2: the playground's L2 is rate * (1/2) * sum w^2", _penalty(model, kind, rate, half=False)),
        ("L2 as rate * sqrt(sum w^2) (a norm): the L2 penalty is rate * (1/2) * sum w^2, no square root",
         _penalty(model, kind, rate, root=True)),
        ("l1 and l2 are swapped", _penalty(model, "l2" if kind == "l1" else "l1", rate)),
    ]
    expect.close_or_diagnose(value.detach(), torch.tensor(expected), name, atol=1e-5, rtol=1e-4,
                             suspects=[(c, torch.tensor(v)) for c, v in suspects if abs(v - expected) > 1e-4])


@pytest.mark.points(1)
def test_penalty_rejects_unknown_kind(submission):
    """A kind other than "l1" or "l2" raises ValueError."""
    expect.raises_checked(ValueError, lambda: submission.regularization_penalty(_net([3], 0), "l3", 0.1),
                          "regularization_penalty(model, 'l3', 0.1)",
                          "the kind is not checked: raise ValueError for anything but 'l1' and 'l2'")


def _gd(model, X, y, lr, steps, reg=None, rate=0.0, *, record_total=False, after=False, zero_grad=True,
        momentum=0.0):
    """Full-batch gradient descent by the test itself (keyword flags replay classic mistakes)."""
    model = copy.deepcopy(model)
    sgd = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    history = []
    for _ in range(steps):
        if zero_grad:
            sgd.zero_grad()
        data_loss = F.cross_entropy(model(X), y)
        objective = data_loss
        if reg == "l1":
            objective = data_loss + rate * sum(m.weight.abs().sum() for m in model if isinstance(m, nn.Linear))
        elif reg == "l2":
            objective = data_loss + rate * 0.5 * sum(m.weight.square().sum() for m in model if isinstance(m, nn.Linear))
        objective.backward()
        sgd.step()
        if after:
            history.append(F.cross_entropy(model(X), y).item())
        else:
            history.append((objective if record_total else data_loss).item())
    return model, history


def _toy(n=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 2, generator=g)
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).long()


@pytest.mark.points(1)
def test_train_classifier_takes_gradient_descent_steps(submission):
    """train_classifier: full-batch SGD on cross-entropy + penalty; returns the cross-entropy before each step."""
    X, y = _toy()
    start = _net([4], 1)
    for reg, rate in ((None, 0.0), ("l2", 0.1), ("l1", 0.05)):
        name = f"train_classifier(model, X, y, lr=0.5, epochs=5, reg={reg!r}, rate={rate})"
        model = copy.deepcopy(start)
        got = expect.call(submission.train_classifier, model, X, y, 0.5, 5, reg, rate, description=name)
        if not isinstance(got, list) or not all(type(v) is float for v in got):
            expect._fail(f"{name} should return a list of Python floats, got "
                         f"{type(got).__name__}" + (f" of {type(got[0]).__name__}" if isinstance(got, list) and got else ""),
                         "append loss.item(), not the loss tensor")
        trained, expected = _gd(start, X, y, 0.5, 5, reg, rate)
        expect.close_or_diagnose(torch.tensor(got), torch.tensor(expected), f"the history of {name}", atol=1e-5, suspects=[
            ("the history records the objective with the penalty: record the cross-entropy alone",
             lambda: torch.tensor(_gd(start, X, y, 0.5, 5, reg, rate, record_total=True)[1])),
            ("the loss is recorded after the step: record it before the update",
             lambda: torch.tensor(_gd(start, X, y, 0.5, 5, reg, rate, after=True)[1])),
            ("the gradients are never zeroed (they add up over the steps): call zero_grad() every step",
             lambda: torch.tensor(_gd(start, X, y, 0.5, 5, reg, rate, zero_grad=False)[1])),
            ("the penalty is not added to the loss that is back-propagated",
             lambda: torch.tensor(_gd(start, X, y, 0.5, 5)[1])),
            ("SGD with momentum: plain gradient descent is torch.optim.SGD(model.parameters(), lr=lr), no momentum",
             lambda: torch.tensor(_gd(start, X, y, 0.5, 5, reg, rate, momentum=0.9)[1])),
        ])
        for (key, got_p), expected_p in zip(model.state_dict().items(), trained.state_dict().values()):
            expect.close(got_p, expected_p, f"parameter {key} after {name}", atol=1e-5,
                         hint="the penalty is not added to the loss that is back-propagated"
                         if reg and torch.allclose(got_p, _gd(start, X, y, 0.5, 5)[0].state_dict()[key], atol=1e-5)
                         else None)


@pytest.mark.points(1)
def test_penalty_gradient(submission):
    """The penalty is differentiable; its gradient (one step with it minus one without, over -lr) is
    rate * sign(w) for l1 and rate * w for l2, and zero for the biases."""
    model = _net([5], 2)
    for kind in ("l1", "l2"):
        value = expect.call(submission.regularization_penalty, copy.deepcopy(model), kind, 0.3,
                            description=f"regularization_penalty(model, {kind!r}, 0.3)")
        if not getattr(value, "requires_grad", False):
            expect._fail(f"regularization_penalty(model, {kind!r}, 0.3) does not require grad: autograd cannot "
                         "differentiate it", "computed without gradient tracking (.item(), float(), .detach() or "
                         "torch.no_grad()): build it from the parameters with torch operations")
    X, y = _toy(seed=3)
    lr, rate = 0.1, 0.3
    plain = copy.deepcopy(model)
    expect.call(submission.train_classifier, plain, X, y, lr, 1, description="train_classifier(model, X, y, 0.1, 1)")
    expected_plain, _ = _gd(model, X, y, lr, 1)
    for key, value in plain.state_dict().items():
        expect.close(value, expected_plain.state_dict()[key], f"{key} after one step without penalty", atol=1e-5,
                     hint="this test steps with your train_classifier, which does not take a plain gradient-descent "
                          "step (see test_train_classifier_takes_gradient_descent_steps)")
    for kind in ("l1", "l2"):
        regularised = copy.deepcopy(model)
        expect.call(submission.train_classifier, regularised, X, y, lr, 1, kind, rate,
                    description=f"train_classifier(model, X, y, 0.1, 1, {kind!r}, 0.3)")
        for key, w in model.state_dict().items():
            w = w.detach()
            # autograd of the formula vs its closed form: the gradient every correct penalty must have
            probe = w.clone().requires_grad_(True)
            formula = rate * probe.abs().sum() if kind == "l1" else rate * 0.5 * probe.square().sum()
            (autograd,) = torch.autograd.grad(formula, probe)
            closed = rate * torch.sign(w) if kind == "l1" else rate * w
            assert torch.allclose(autograd, closed), "the test's own formula"
            expected = closed if key.endswith("weight") else torch.zeros_like(w)
            got = (plain.state_dict()[key] - regularised.state_dict()[key]) / lr
            expect.close_or_diagnose(got, expected, f"gradient of the {kind} penalty w.r.t. {key}", atol=1e-4,
                                     suspects=[
                ("the biases are penalised too: only the weights count", closed),
                ("rate * sum w without abs: the gradient of L1 is rate * sign(w)", rate * torch.ones_like(w)),
                ("L2 without the 1/2: its gradient is rate * w, not 2 * rate * w", 2 * closed),
                ("rate is not applied", closed / rate),
                ("the penalty is not added to the loss that is back-propagated", torch.zeros_like(w)),
            ])


@pytest.mark.points(2)
def test_l1_zeroes_redundant_weights_l2_only_shrinks(submission):
    """On gauss (one neuron separates it) a net with 8 hidden neurons has redundant ones: training with
    L1 drives most weights to (nearly) zero; L2 shrinks the weights but leaves almost none near zero."""
    X, y = _data(submission, "gauss", 64)
    X = X.float()

    def trained_weights(reg):
        model = _net([8], 0)
        expect.call(submission.train_classifier, model, X, y, 1.0, 100, reg, 0.02,
                    description=f"train_classifier(model, X, y, 1.0, 100, {reg!r}, 0.02)")
        return torch.cat([model[0].weight.detach().flatten(), model[2].weight.detach().flatten()])

    plain, l1, l2 = trained_weights(None), trained_weights("l1"), trained_weights("l2")
    small_l1 = (l1.abs() < 0.02).float().mean().item()
    small_l2 = (l2.abs() < 0.02).float().mean().item()
    shrink = (l2.square().sum() / plain.square().sum()).item()
    # Measured over 20 seeds of the model (64 points of gauss, Linear(2, 8), Tanh, Linear(8, 2), 100 steps,
    # lr 1.0, rate 0.02; instructor/measure_playground.py): the fraction of weights below 0.02 is
    # 0.50-0.75 with L1 and 0.00-0.03 with L2; sum w^2 with L2 over sum w^2 without is 0.37-0.42.
    # Thresholds: L1 at least 0.35, L2 at most 0.15, the L2 ratio at most 0.7.
    check = "\nthings to check: this test trains with your train_classifier and regularization_penalty"
    if not small_l1 >= 0.35:
        raise AssertionError(f"after training with L1 (rate 0.02) {small_l1:.0%} of the weights are below 0.02, "
                             "expected at least 35%: L1's constant pull rate * sign(w) should zero the weights of "
                             "redundant neurons" + check)
    if not small_l2 <= 0.15:
        raise AssertionError(f"after training with L2 (rate 0.02) {small_l2:.0%} of the weights are below 0.02, "
                             "expected at most 15%: L2's pull rate * w weakens near zero, so it shrinks weights "
                             "without zeroing them" + check)
    if not shrink <= 0.7:
        raise AssertionError(f"L2 (rate 0.02) leaves sum w^2 at {shrink:.2f} of its value without regularisation, "
                             "expected at most 0.7: L2 should shrink the weights" + check)
