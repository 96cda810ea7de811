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
    got = expect.tensor(got, name, shape=())
    expected = F.cross_entropy(logits, labels)
    hint = "the mean over the batch of -log softmax(logits)[label]"
    if torch.allclose(got, F.cross_entropy(torch.softmax(logits, dim=1), labels), atol=1e-6):
        hint = ("softmax was applied before cross-entropy: F.cross_entropy / nn.CrossEntropyLoss take the raw "
                "logits and apply log-softmax themselves")
    expect.close(got, expected, name, atol=1e-5, rtol=1e-5, hint=hint)


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
    expect.close(got, torch.tensor((5000.0 + 0.31326168751822286) / 2), "classification_loss(large logits)", atol=1e-3,
                 hint="use F.cross_entropy on the logits; exp() of large logits overflows")


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
        raise AssertionError(f"make_optimizer should return torch.optim.Adam with default settings, got settings {defaults}")
    expect.scalar_close(defaults["lr"], 1e-3, "learning rate", atol=1e-12)
    n_params = sum(p.numel() for group in optimizer.param_groups for p in group["params"])
    if n_params != 4 * 3 + 3 + 3 * 2 + 2:
        raise AssertionError(f"the optimizer holds {n_params} parameters, the model has 23: pass model.parameters()")


