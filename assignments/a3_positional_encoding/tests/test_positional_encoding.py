"""Task 2: the sinusoidal positional encoding E (dim x n_tokens)."""
import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder import expect

pytestmark = pytest.mark.task("2", "positional_encoding")

n_tokens = st.integers(min_value=1, max_value=64)
even_dims = st.integers(min_value=1, max_value=64).map(lambda half: 2 * half)


@pytest.mark.points(1)
def test_shape_and_dtype(submission):
    """E has shape (dim, n_tokens) and dtype float32."""
    for n, dim in [(5, 8), (1, 2), (64, 256)]:
        E = submission.positional_encoding(n, dim)
        expect.tensor(E, f"positional_encoding({n}, {dim})", shape=(dim, n), dtype=torch.float32)


@pytest.mark.points(1)
def test_first_column(submission):
    """Token 0 is encoded as (0, 1, 0, 1, ...)."""
    E = expect.tensor(submission.positional_encoding(4, 16), "E", shape=(16, 4))
    expect.close(E[:, 0], torch.tensor([0.0, 1.0] * 8), "E[:, 0]", atol=1e-6)


@pytest.mark.points(2)
def test_small_example(submission):
    """positional_encoding(3, 4) matches the formula entry by entry."""
    E = expect.tensor(submission.positional_encoding(3, 4), "E", shape=(4, 3))
    w1 = 10000 ** (-2 / 4)  # k = 1; k = 0 has frequency 1
    expected = torch.tensor(
        [[math.sin(i) for i in range(3)],
         [math.cos(i) for i in range(3)],
         [math.sin(i * w1) for i in range(3)],
         [math.cos(i * w1) for i in range(3)]]
    )
    expect.close(E, expected, "E", atol=1e-5,
                 hint="check the frequency exp(-2k ln(10000)/dim): 2k, not the row index; sin on even rows, cos on odd rows")


@pytest.mark.points(1)
@given(n=n_tokens, dim=even_dims)
def test_sin_cos_pairs_on_unit_circle(submission, n, dim):
    """E[2k, i]^2 + E[2k+1, i]^2 = 1 for every k and token i."""
    E = expect.tensor(submission.positional_encoding(n, dim), "E", shape=(dim, n)).double()
    expect.close(E[0::2] ** 2 + E[1::2] ** 2, torch.ones(dim // 2, n), "E[2k]^2 + E[2k+1]^2", atol=1e-5,
                 hint="rows 2k and 2k+1 must use the same frequency w_k")


@pytest.mark.points(1)
def test_odd_dim_raises(submission):
    """An odd embedding dimension raises ValueError."""
    for dim in (1, 3, 7, 255):
        expect.raises(ValueError, lambda: submission.positional_encoding(4, dim), f"positional_encoding(4, {dim})")


@pytest.mark.points(2)
def test_no_python_loop_over_tokens(submission):
    """positional_encoding(4096, 1024) is vectorized: no Python loop over the 4096 tokens."""
    # A Python loop over tokens runs at least one line per token, so 4096 lines is a hard
    # upper bound for any vectorized version (a loop over the 512 frequencies still fits).
    E, _ = expect.python_steps(
        submission.positional_encoding, 4096, 1024,
        within=submission.dir, budget=4096,
        description="positional_encoding(4096, 1024)",
        hint="replace the loop over tokens by broadcasting: torch.outer or w[:, None] * i[None, :]",
    )
    expect.tensor(E, "positional_encoding(4096, 1024)", shape=(1024, 4096))


