"""Task 3: attention scores K^T Q with added vs concatenated positional encoding."""
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder import expect

pytestmark = pytest.mark.task("3", "attention_scores")

sizes = st.tuples(st.integers(min_value=1, max_value=16), st.integers(min_value=1, max_value=16))

NO_MIXED_TERMS = ("the mixed terms X^T E + E^T X are missing: with K = Q = X + E the scores are "
                  "(X + E)^T (X + E) = X^T X + X^T E + E^T X + E^T E")
K_KT = ("the scores are K K^T (p x p, or 2p x 2p for concat) instead of K^T Q (n x n): "
        "transpose the first factor")
ALONG_TOKENS = ("X and E are stacked along the token axis (dim 1): stack X and E along the feature axis "
                "(dim 0) into a (2p, n) matrix K, then K^T K")


def _random(p: int, n: int, seed: int, dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(p, n, generator=g, dtype=dtype), torch.randn(p, n, generator=g, dtype=dtype)


def scores(submission, X: torch.Tensor, E: torch.Tensor, mode: str) -> torch.Tensor:
    """``submission.attention_scores(X, E, mode)``, checked to be a tensor; its exceptions in student terms."""
    shapes = (f"X and E of shape {tuple(X.shape)}" if X.shape == E.shape
              else f"X of shape {tuple(X.shape)} and E of shape {tuple(E.shape)}")
    name = f"attention_scores(X, E, {mode!r})"
    value = expect.call(submission.attention_scores, X, E, mode, description=f"{name} with {shapes}")
    return expect.tensor(value, name)


def _keys(X: torch.Tensor, E: torch.Tensor, mode: str) -> torch.Tensor:
    return X + E if mode == "add" else torch.cat([X, E], dim=0)


def _along_tokens(X: torch.Tensor, E: torch.Tensor) -> torch.Tensor:
    K = torch.cat([X, E], dim=1)
    return K.T @ K


def _shape_cause(submission, mode: str) -> str | None:
    """Why the scores of ``mode`` have a wrong shape, when recomputing them with a classic mistake gives
    what the student's code returns. Checked on X, E of shape (3, 2), where the mistakes differ (at
    (1, 1), K K^T and stacking along the tokens give the same 2 x 2 matrix)."""
    X, E = _random(3, 2, 7)
    try:
        S = submission.attention_scores(X, E, mode)
    except Exception:  # noqa: BLE001 - no diagnosis then; the failure itself is reported
        return None
    if type(S) is not torch.Tensor:
        return None
    if mode == "concat" and expect.reproduces(S, _along_tokens(X, E), atol=1e-9, rtol=1e-9):
        return ALONG_TOKENS
    K = _keys(X, E, mode)
    return K_KT if expect.reproduces(S, K @ K.T, atol=1e-9, rtol=1e-9) else None


@pytest.mark.points(1)
@given(size=sizes, seed=st.integers(0, 2**16))
def test_output_shape(submission, size, seed):
    """Both modes return an (n, n) matrix for X, E of shape (p, n), in the dtype of X."""
    p, n = size
    X, E = _random(p, n, seed)
    for mode in ("add", "concat"):
        S = scores(submission, X, E, mode)
        if tuple(S.shape) != (n, n):
            expect._fail(f"attention_scores(X, E, {mode!r}) has shape {tuple(S.shape)}, expected {(n, n)} "
                         f"for X, E of shape {(p, n)}", _shape_cause(submission, mode))
    # The dtype matters only where X and E differ in it: E from positional_encoding is float32.
    for x_dtype, e_dtype in ((torch.float32, torch.float64), (torch.float64, torch.float32)):
        for mode in ("add", "concat"):
            S = scores(submission, X.to(x_dtype), E.to(e_dtype), mode)
            if S.dtype != x_dtype:
                promoted = S.dtype == torch.promote_types(x_dtype, e_dtype)
                expect._fail(f"attention_scores(X, E, {mode!r}) with X in {x_dtype} and E in {e_dtype} has dtype "
                             f"{S.dtype}, expected {x_dtype} (the dtype of X)",
                             "the result takes the promoted dtype of X and E: convert E first, E = E.to(X.dtype)"
                             if promoted else None)


@pytest.mark.points(2)
@given(size=sizes, seed=st.integers(0, 2**16))
def test_add_mode_expansion(submission, size, seed):
    """mode='add' equals X^T X + X^T E + E^T X + E^T E."""
    X, E = _random(*size, seed)
    expected = X.T @ X + X.T @ E + E.T @ X + E.T @ E
    got = scores(submission, X, E, "add")
    expect.close_or_diagnose(got, expected, "scores (add)", atol=1e-9, rtol=1e-9,
                             suspects=[(NO_MIXED_TERMS, lambda: X.T @ X + E.T @ E),
                                       (K_KT, lambda: (X + E) @ (X + E).T)],
                             neutral="with K = Q = X + E the scores are K^T Q")


def _raises(call, description: str, hint: str) -> None:
    """``call()`` raises ValueError; otherwise the test fails naming the bad input and ``hint``."""
    try:
        call()
    except ValueError:
        return
    except NotImplementedError:
        raise
    except Exception as other:  # noqa: BLE001 - inside the except block: the sandbox's limit hint stays attached
        expect._fail(f"{description} should raise ValueError, but raised {type(other).__name__}: "
                     f"{' '.join(str(other).split())[:150]}", hint)
    expect._fail(f"{description} should raise ValueError, but returned a result", hint)


@pytest.mark.points(1)
def test_bad_input_raises(submission):
    """An unknown mode, or X and E that are not 2-D tensors of one shape, raise ValueError."""
    X, E = _random(4, 3, 0)
    _raises(lambda: submission.attention_scores(X, E, "multiply"), "mode='multiply'",
            "an unknown mode is not rejected: raise ValueError for any mode but 'add' and 'concat'")
    _raises(lambda: submission.attention_scores(X, E[:, :2], "add"), "X of shape (4, 3) with E of shape (4, 2)",
            "the shapes of X and E are not compared: raise ValueError unless X.shape == E.shape")
    # concat can stack E of another feature size without an error: only a check of the whole shape catches it
    E5 = torch.randn(5, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    _raises(lambda: submission.attention_scores(X, E5, "concat"), "mode='concat' with X of shape (4, 3) and E of shape (5, 3)",
            "the feature sizes of X and E are not compared: raise ValueError unless X.shape == E.shape")
    # 1-D vectors of one shape pass a shape comparison: only a check of X.ndim catches them
    _raises(lambda: submission.attention_scores(X[:, 0], E[:, 0], "add"), "X and E of shape (4,) (1-D)",
            "1-D inputs are not rejected: raise ValueError unless X.ndim == 2")


