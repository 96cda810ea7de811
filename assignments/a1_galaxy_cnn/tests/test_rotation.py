"""Task 7 (bonus): predictions invariant to rotations by multiples of 90 degrees."""
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder import expect

pytestmark = pytest.mark.task("7", "RotationInvariantCNN (bonus)", bonus=True)


def images(batch: int, seed: int) -> torch.Tensor:
    return torch.randn(batch, 3, 69, 69, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def rotation_model(submission, fresh_galaxy_cnn):
    model = submission.RotationInvariantCNN(fresh_galaxy_cnn(5))
    model.train(False)
    return model


@pytest.mark.points(1)
def test_output_shape(submission, rotation_model):
    """RotationInvariantCNN(base) maps (B, 3, 69, 69) to logits (B, 10)."""
    for batch in (1, 3):
        expect.tensor(rotation_model(images(batch, batch)), f"logits for a batch of {batch}", shape=(batch, 10),
                      dtype=torch.float32)


@pytest.mark.points(2)
@given(k=st.integers(1, 3), batch=st.integers(1, 2), seed=st.integers(0, 3))
def test_invariant_to_90_degree_rotations(submission, rotation_model, k, batch, seed):
    """Rotating the images by k * 90 degrees leaves the logits unchanged."""
    x = images(batch, seed)
    with torch.inference_mode():
        plain = expect.tensor(rotation_model(x), "logits", shape=(batch, 10))
        turned = expect.tensor(rotation_model(torch.rot90(x, k, dims=(2, 3))), "logits of the rotated images", shape=(batch, 10))
    expect.close(turned, plain, f"logits after a rotation by {90 * k} degrees", atol=1e-5, rtol=1e-4,
                 hint="average the base model's logits over all four rotations (k = 0, 1, 2, 3) of the input")


