"""Task 3: attention scores K^T Q with added vs concatenated positional encoding."""
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder import expect

pytestmark = pytest.mark.task("3", "attention_scores")

sizes = st.tuples(st.integers(min_value=1, max_value=16), st.integers(min_value=1, max_value=16))


def _random(p: int, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(p, n, generator=g, dtype=torch.float64), torch.randn(p, n, generator=g, dtype=torch.float64)


@pytest.mark.points(1)
@given(size=sizes, seed=st.integers(0, 2**16))
def test_output_shape(submission, size, seed):
    """Both modes return an (n, n) matrix for X, E of shape (p, n)."""
    p, n = size
    X, E = _random(p, n, seed)
    for mode in ("add", "concat"):
        expect.tensor(submission.attention_scores(X, E, mode), f"attention_scores(X, E, {mode!r})", shape=(n, n))


@pytest.mark.points(2)
@given(size=sizes, seed=st.integers(0, 2**16))
def test_add_mode_expansion(submission, size, seed):
    """mode='add' equals X^T X + X^T E + E^T X + E^T E."""
    X, E = _random(*size, seed)
    expected = X.T @ X + X.T @ E + E.T @ X + E.T @ E
    got = expect.tensor(submission.attention_scores(X, E, "add"), "scores (add)")
    expect.close(got, expected, "scores (add)", atol=1e-9, rtol=1e-9,
                 hint="K = Q = X + E and the scores are K^T Q")


@pytest.mark.points(1)
def test_bad_input_raises(submission):
    """An unknown mode, or X and E of different shapes, raise ValueError."""
    X, E = _random(4, 3, 0)
    expect.raises(ValueError, lambda: submission.attention_scores(X, E, "multiply"), "mode='multiply'")
    expect.raises(ValueError, lambda: submission.attention_scores(X, E[:, :2], "add"), "X of shape (4, 3) with E of shape (4, 2)")


### BEGIN HIDDEN TESTS
@pytest.mark.hidden
@pytest.mark.points(2)
@given(size=sizes, seed=st.integers(0, 2**16))
def test_concat_mode_has_no_mixed_terms(submission, size, seed):
    """mode='concat' equals X^T X + E^T E exactly: no mixed terms."""
    X, E = _random(*size, seed)
    got = expect.tensor(submission.attention_scores(X, E, "concat"), "scores (concat)")
    expect.close(got, X.T @ X + E.T @ E, "scores (concat)", atol=1e-9, rtol=1e-9,
                 hint="stack X and E along the feature axis (dim 0) into a (2p, n) matrix K, then K^T K")
### END HIDDEN TESTS
