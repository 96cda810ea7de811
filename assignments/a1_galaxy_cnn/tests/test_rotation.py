"""Task 7 (bonus): predictions invariant to rotations by multiples of 90 degrees."""
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from autograder import expect

pytestmark = pytest.mark.task("7", "RotationInvariantCNN (bonus)", bonus=True)


def images(batch: int, seed: int) -> torch.Tensor:
    return torch.randn(batch, 3, 69, 69, generator=torch.Generator().manual_seed(seed))


def grader_base(seed: int) -> nn.Module:
    """A small classifier built by the grader (not rotation invariant by itself). The wrapper must work
    for any base, and a base of the grader's own keeps task 7 independent of your GalaxyCNN (task 3)."""
    g = torch.Generator().manual_seed(seed)
    base = nn.Sequential(nn.Conv2d(3, 4, 5, stride=2), nn.ReLU(), nn.Conv2d(4, 6, 5, stride=2), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(3), nn.Flatten(), nn.Linear(54, 10))
    with torch.no_grad():
        for p in base.parameters():
            p.copy_(torch.rand(p.shape, generator=g) - 0.5)
    return base.train(False)


@pytest.fixture(scope="module")
def base_model():
    return grader_base(5)


@pytest.fixture(scope="module")
def rotation_model(submission, base_model):
    model = submission.RotationInvariantCNN(base_model)
    model.train(False)
    return model


def rotation_suspects(base, x):
    """Averages over the wrong rotations, or a sum instead of the mean, each as the logits it gives."""
    def mean_over(ks, divide=True):
        with torch.inference_mode():
            total = sum(base(torch.rot90(x, k, dims=(2, 3))) for k in ks)
        return total / len(ks) if divide else total
    return (
        ("only the rotations by 0 and 180 degrees are averaged: use k = 0, 1, 2, 3", lambda: mean_over((0, 2))),
        ("only three rotations are averaged (range(3)): use k = 0, 1, 2, 3", lambda: mean_over((0, 1, 2))),
        ("the logits of the four rotations are summed, not averaged: divide by 4 (or use .mean)",
         lambda: mean_over(range(4), divide=False)),
    )


@pytest.mark.points(1)
def test_output_shape(submission, rotation_model):
    """RotationInvariantCNN(base) maps (B, 3, 69, 69) to logits (B, 10)."""
    for batch in (3, 1):
        got = rotation_model(images(batch, batch))
        if isinstance(got, torch.Tensor) and tuple(got.shape) == (4, 10) and batch != 4:
            expect._fail(f"logits for a batch of {batch} have shape (4, 10), expected ({batch}, 10)",
                         "one row per rotation: average over the stacked rotations (dim=0 of torch.stack), "
                         "not over the batch")
        expect.tensor(got, f"logits for a batch of {batch}", shape=(batch, 10), dtype=torch.float32)


@pytest.mark.points(2)
@given(k=st.integers(1, 3), batch=st.integers(1, 2), seed=st.integers(0, 3))
def test_invariant_to_90_degree_rotations(submission, rotation_model, base_model, k, batch, seed):
    """Rotating the images by k * 90 degrees leaves the logits unchanged."""
    x = images(batch, seed)
    with torch.inference_mode():
        plain = expect.tensor(rotation_model(x), "logits", shape=(batch, 10))
        turned = expect.tensor(rotation_model(torch.rot90(x, k, dims=(2, 3))), "logits of the rotated images", shape=(batch, 10))
    try:
        expect.close(turned, plain, f"logits after a rotation by {90 * k} degrees", atol=1e-5, rtol=1e-4)
    except AssertionError as failure:
        cause = expect.verified_cause(plain, rotation_suspects(base_model, x), atol=1e-5, rtol=1e-4)
        expect._fail(str(failure) + ("" if cause else "\nhint: average the base model's logits over all four "
                                                      "rotations (k = 0, 1, 2, 3) of the input"), cause)


