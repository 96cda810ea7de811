"""A5, task 1: the sum of two independent Gaussians, in closed form and numerically.

If ``X ~ N(mu1, sigma1^2)`` and ``Y ~ N(mu2, sigma2^2)`` are independent, the density of
``Z = X + Y`` is the convolution of the two densities::

    p_Z(z) = integral of p_X(x) p_Y(z - x) dx

and it is again a Gaussian (derive it in the report). Here you compute that convolution on a
grid and compare it with the closed form.

Grid convention: a density sampled on a grid with spacing ``dx`` is a 1-D tensor ``p`` with
``p[i] = p_X(x_0 + i * dx)``. Fill in the parts marked ``raise NotImplementedError``.
"""
import math

import torch
import torch.nn.functional as F


def gaussian_pdf(x: torch.Tensor, mu: float, sigma: float) -> torch.Tensor:
    """Density of ``N(mu, sigma^2)`` at the points ``x``::

        exp(-(x - mu)^2 / (2 sigma^2)) / (sigma * sqrt(2 pi))

    ``x``: a floating-point tensor of any shape. Returns a tensor of the same shape and dtype.

    Raises:
        ValueError: if ``sigma <= 0``.
    """
    ### BEGIN SOLUTION hint: a direct translation of the formula with torch.exp; check sigma first
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    z = (x - mu) / sigma
    return torch.exp(-0.5 * z * z) / (sigma * math.sqrt(2 * math.pi))
    ### END SOLUTION


def convolve_densities(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    """Numerical convolution of two densities sampled on grids with the same spacing ``dx``.

    ``p``: shape ``(n,)``, ``p[i] = p_X(x_0 + i dx)``; ``q``: shape ``(m,)``, ``q[j] = p_Y(y_0 + j dx)``.
    Returns ``r`` of shape ``(n + m - 1,)``, dtype float64, with the Riemann sum::

        r[k] = dx * sum_i p[i] * q[k - i]        (only terms with 0 <= k - i < m)

    which approximates ``p_Z(z_k)`` on the grid ``z_k = x_0 + y_0 + k dx``. The result does not
    depend on the order of ``p`` and ``q``. Vectorized: no Python loop over grid points.

    Raises:
        ValueError: if ``p`` or ``q`` is not a non-empty 1-D tensor, or ``dx <= 0``.
    """
    ### BEGIN SOLUTION hint: F.conv1d computes a cross-correlation: flip one input and pad by m - 1 (or use an FFT)
    if p.ndim != 1 or q.ndim != 1 or len(p) == 0 or len(q) == 0:
        raise ValueError(f"p and q must be non-empty 1-D tensors, got shapes {tuple(p.shape)} and {tuple(q.shape)}")
    if not dx > 0:
        raise ValueError(f"dx must be positive, got {dx}")
    signal = p.to(torch.float64).reshape(1, 1, -1)
    kernel = torch.flip(q.to(torch.float64), dims=[0]).reshape(1, 1, -1)
    full = F.conv1d(signal, kernel, padding=len(q) - 1)  # (1, 1, n + m - 1)
    return full.reshape(-1) * dx
    ### END SOLUTION


def sum_of_gaussians(mu1: float, sigma1: float, mu2: float, sigma2: float) -> tuple[float, float]:
    """Mean and standard deviation ``(mu, sigma)`` of ``X + Y`` for independent
    ``X ~ N(mu1, sigma1^2)`` and ``Y ~ N(mu2, sigma2^2)`` (the closed form you derive in the report).

    Returns two Python floats.

    Raises:
        ValueError: if ``sigma1 <= 0`` or ``sigma2 <= 0``.
    """
    ### BEGIN SOLUTION hint: means add; what adds for independent variables, the standard deviations or the variances?
    if not (sigma1 > 0 and sigma2 > 0):
        raise ValueError(f"standard deviations must be positive, got {sigma1} and {sigma2}")
    return float(mu1 + mu2), math.sqrt(sigma1**2 + sigma2**2)
    ### END SOLUTION
