"""A3: sinusoidal positional encoding and attention scores.

Notation (as in the lecture): a sequence of ``n`` tokens has features ``X`` of shape
``(p, n)`` -- one column per token, ``p`` = embedding dimension. The positional encoding
``E`` has the same shape. ``positional_encoding`` and ``attention_scores`` return ``torch``
tensors; ``mean_abs_cosine`` returns a number.

Fill in the parts marked ``raise NotImplementedError``. Do not loop over tokens in Python:
torch broadcasting does it for you (the grader checks with n = 4096 tokens).
"""
import math

import torch


def positional_encoding(n_tokens: int, dim: int) -> torch.Tensor:
    """Sinusoidal positional encoding ``E`` of shape ``(dim, n_tokens)``, dtype float32.

    For token ``i = 0 .. n_tokens-1`` and ``k = 0 .. dim/2 - 1``, with frequency
    ``w_k = exp(-2k * ln(10000) / dim)``::

        E[2k,   i] = sin(i * w_k)
        E[2k+1, i] = cos(i * w_k)

    So column 0 is ``(0, 1, 0, 1, ...)`` and ``E[2k, i]**2 + E[2k+1, i]**2 == 1``.
    ``n_tokens = 0`` gives an empty ``(dim, 0)`` tensor.

    Raises:
        ValueError: if ``dim`` is odd or not positive, or ``n_tokens`` is negative.
    """
    raise NotImplementedError('build w_k for all k at once, then an outer product with the token index')


def attention_scores(X: torch.Tensor, E: torch.Tensor, mode: str) -> torch.Tensor:
    """Attention scores ``K^T Q`` of shape ``(n, n)`` for features ``X`` and encoding ``E``, both ``(p, n)``.

    mode="add":    ``K = Q = X + E``                      (p x n), so ``K^T Q = (X + E)^T (X + E)``
    mode="concat": ``K = Q = [X; E]`` stacked along the feature axis (2p x n),
                   so ``K^T Q = X^T X + E^T E``

    The result has the dtype of ``X``.

    Raises:
        ValueError: for an unknown ``mode``, or if ``X`` and ``E`` are not 2-D tensors of one shape.
    """
    raise NotImplementedError('build K (= Q) for the mode; the scores are K^T Q')


def mean_abs_cosine(dim: int, n_pairs: int, generator: torch.Generator | None = None) -> float:
    """Mean of ``|cos(u, v)|`` over ``n_pairs`` pairs of independent random vectors in ``R^dim``.

    Draw ``u, v`` with i.i.d. standard normal entries (``torch.randn(..., generator=generator)``),
    so their directions are uniform on the sphere; ``cos(u, v) = u.v / (|u| |v|)``.
    For large ``dim`` the mean shrinks like ``sqrt(2 / (pi * dim))``: random directions in
    high dimensions are nearly orthogonal.
    """
    raise NotImplementedError('draw two (n_pairs, dim) matrices and use torch.nn.functional.cosine_similarity')
