"""Task 4: cross-entropy on logits, and Adam with learning rate 1e-3."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from autograder import expect

pytestmark = pytest.mark.task("4", "loss and optimizer")


@pytest.fixture(scope="module")
def ready(submission, helpers):
    helpers.implemented(lambda: submission.classification_loss(torch.zeros(1, 2), torch.tensor([0])))


@st.composite
def logits_and_labels(draw):
    batch, classes = draw(st.integers(1, 8)), draw(st.integers(2, 10))
    seed = draw(st.integers(0, 2**16))
    scale = draw(st.sampled_from([0.1, 1.0, 10.0]))
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(batch, classes, generator=g), torch.randint(0, classes, (batch,), generator=g)


def check_loss(got, logits, labels, name):
    if isinstance(got, float):
        expect._fail(f"{name} should be a torch.Tensor, got a Python float",
                     "the loss is returned as loss.item(): return the tensor itself (train_model back-propagates it)")
    got = expect.tensor(got, name, shape=())
    expected = F.cross_entropy(logits, labels)
    expect.close_diagnosed(got, expected, name, atol=1e-5, rtol=1e-5, suspects=(
        ("softmax was applied before cross-entropy: F.cross_entropy / nn.CrossEntropyLoss take the raw "
         "logits and apply log-softmax themselves", lambda: F.cross_entropy(torch.softmax(logits, dim=1), labels)),
        ("the losses are summed over the batch, not averaged (reduction='sum'): the loss is their mean",
         lambda: F.cross_entropy(logits, labels, reduction="sum")),
    ), advice="the mean over the batch of -log softmax(logits)[label]")


@pytest.mark.points(2)
@given(data=logits_and_labels())
def test_loss_matches_cross_entropy(submission, ready, data):
    """classification_loss(logits, labels) equals the mean cross-entropy of the raw logits."""
    logits, labels = data
    check_loss(submission.classification_loss(logits, labels), logits, labels, "classification_loss(logits, labels)")


@pytest.mark.points(1)
def test_loss_is_stable_for_large_logits(submission):
    """Logits in the thousands give a finite loss (log-softmax, not log(softmax))."""
    logits = torch.tensor([[3000.0, -2000.0, 0.0], [10.0, 4000.0, 4001.0]])
    labels = torch.tensor([1, 2])
    got = expect.tensor(submission.classification_loss(logits, labels), "classification_loss", shape=())
    naive = -torch.log(torch.softmax(logits, dim=1))[torch.arange(2), labels].mean()  # inf: log(0)
    try:
        expect.close(got, torch.tensor((5000.0 + 0.31326168751822286) / 2), "classification_loss(large logits)", atol=1e-3)
    except AssertionError as failure:
        unstable = not torch.isfinite(got).item() and not torch.isfinite(naive).item()
        expect._fail(str(failure) + ("" if unstable else "\nhint: use F.cross_entropy on the logits"),
                     "log(softmax(logits)) is computed in two steps: softmax underflows to 0 for large logits and "
                     "log(0) = -inf; F.cross_entropy takes log-softmax in one stable step" if unstable else None)


@pytest.mark.points(2)
def test_optimizer_is_adam_with_lr_1e_3(submission):
    """make_optimizer(model) is Adam with lr 1e-3 over all of the model's parameters."""
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    optimizer = submission.make_optimizer(model)
    defaults = optimizer.defaults
    looks_like_adam = (isinstance(defaults, dict) and "betas" in defaults and "amsgrad" in defaults
                       and not defaults.get("amsgrad") and not defaults.get("decoupled_weight_decay", False)
                       and defaults.get("weight_decay") == 0)
    if not looks_like_adam:
        adam = {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False}
        changed = [f"{k}={defaults[k]!r}" for k in adam if isinstance(defaults, dict) and k in defaults
                   and defaults[k] != adam[k] and not (k == "betas" and tuple(defaults[k]) == adam[k])]
        is_adam = isinstance(defaults, dict) and "betas" in defaults and "amsgrad" in defaults
        expect._fail(f"make_optimizer should return torch.optim.Adam with default settings, got "
                     f"{type(optimizer).__name__} with settings {defaults}",
                     f"{', '.join(changed)} differs from Adam's default: pass only lr" if is_adam and changed else
                     None if is_adam else f"the optimizer is {type(optimizer).__name__}, not torch.optim.Adam")
    expect.scalar_close(defaults["lr"], 1e-3, "learning rate", atol=1e-12)
    other = submission.make_optimizer(nn.Linear(2, 2), lr=0.05).defaults["lr"]
    if other != 0.05:
        expect._fail(f"make_optimizer(model, lr=0.05) has learning rate {other}",
                     "the lr argument is not used: pass lr=lr to torch.optim.Adam" if other == defaults["lr"] else None)
    n_params = sum(p.numel() for group in optimizer.param_groups for p in group["params"])
    if n_params != 4 * 3 + 3 + 3 * 2 + 2:
        raise AssertionError(f"the optimizer holds {n_params} parameters, the model has 23: pass model.parameters()")


