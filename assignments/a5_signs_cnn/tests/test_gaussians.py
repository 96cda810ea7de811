"""Task 1: the density of a sum of independent Gaussians, numerically (convolution) and in closed form."""
import math

import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from autograder import expect

torch.set_num_threads(1)  # tiny tensors: threads only add overhead, more so on a busy machine
# No "explain" phase: after a failure it re-runs the test many times under a line tracer, which
# costs seconds with torch and adds nothing to what students see (the smallest failing input).
fast_failure = settings(phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink))

pytestmark = pytest.mark.task("1", "Sum of Gaussians: convolution of densities")

means = st.floats(min_value=-3, max_value=3, allow_nan=False)
stds = st.floats(min_value=0.3, max_value=2.0, allow_nan=False)


def _normal_pdf(x: torch.Tensor, mu: float, sigma: float) -> torch.Tensor:
    return torch.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


@pytest.mark.points(1)
@fast_failure
@given(mu=means, sigma=stds)
def test_gaussian_pdf_matches_torch_normal(submission, mu, sigma):
    """gaussian_pdf agrees with torch.distributions.Normal, keeps shape and dtype, and rejects sigma <= 0."""
    x = torch.linspace(-8, 8, 33, dtype=torch.float64).reshape(3, 11)
    got = expect.tensor(submission.gaussian_pdf(x, mu, sigma), "gaussian_pdf(x, mu, sigma)", shape=(3, 11),
                        dtype=torch.float64)
    expected = torch.distributions.Normal(torch.tensor(mu, dtype=torch.float64), torch.tensor(sigma, dtype=torch.float64)).log_prob(x).exp()
    expect.close(got, expected, "gaussian_pdf(x, mu, sigma)", atol=1e-12, rtol=1e-9,
                 hint="the density is exp(-(x - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi))")
    x32 = torch.zeros(4, dtype=torch.float32)
    expect.tensor(submission.gaussian_pdf(x32, mu, sigma), "gaussian_pdf of a float32 tensor", shape=(4,),
                  dtype=torch.float32)
    for bad in (0.0, -1.0):
        expect.raises(ValueError, lambda: submission.gaussian_pdf(x, mu, bad), f"gaussian_pdf(x, {mu}, sigma={bad})")


@pytest.mark.points(1)
def test_convolve_small_example(submission):
    """convolve_densities([1, 2, 3], [0, 1, 2], dx=0.5) is 0.5 * [0, 1, 4, 7, 6] (full convolution, times dx)."""
    p = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    q = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64)
    got = expect.tensor(submission.convolve_densities(p, q, 0.5), "convolve_densities(p, q, 0.5)", shape=(5,),
                        dtype=torch.float64)
    expect.close(got, torch.tensor([0.0, 0.5, 2.0, 3.5, 3.0]), "convolve_densities(p, q, 0.5)", atol=1e-12,
                 hint="r[k] = dx * sum_i p[i] q[k - i]: a convolution flips q (without the flip it is a "
                      "cross-correlation), and the Riemann sum needs the factor dx")


@pytest.mark.points(2)
@fast_failure
@given(mu1=means, sigma1=stds, mu2=means, sigma2=stds)
def test_convolution_of_two_gaussians_is_the_closed_form(submission, mu1, sigma1, mu2, sigma2):
    """Convolving two sampled Gaussian densities gives N(mu1 + mu2, sigma1^2 + sigma2^2) on the grid z_k = x_0 + y_0 + k dx."""
    dx = 0.04
    x = torch.arange(-16.0, 16.0 + dx / 2, dx, dtype=torch.float64)  # 801 points, tails below 1e-10
    p, q = _normal_pdf(x, mu1, sigma1), _normal_pdf(x, mu2, sigma2)
    got = expect.tensor(submission.convolve_densities(p, q, dx), "convolve_densities(p, q, dx)",
                        shape=(2 * len(x) - 1,))
    z = 2 * x[0] + dx * torch.arange(len(got), dtype=torch.float64)
    expected = _normal_pdf(z, mu1 + mu2, math.sqrt(sigma1**2 + sigma2**2))
    expect.close(got, expected, "convolve_densities(p, q, dx)", atol=1e-6, rtol=1e-4,
                 hint="the result should be the density of N(mu1 + mu2, sigma1^2 + sigma2^2) at z_k = x_0 + y_0 + k dx; "
                      "a peak at mu1 - mu2 means q was not flipped, a wrong height means the factor dx is missing")


@pytest.mark.points(1)
@fast_failure
@given(n=st.integers(min_value=1, max_value=40), m=st.integers(min_value=1, max_value=40),
       dx=st.floats(min_value=0.01, max_value=2.0), seed=st.integers(0, 2**16))
def test_convolution_keeps_mass_and_is_symmetric(submission, n, m, dx, seed):
    """For any sampled p, q: sum(r) dx = (sum(p) dx)(sum(q) dx), and convolving q with p gives the same r."""
    g = torch.Generator().manual_seed(seed)
    p = torch.rand(n, generator=g, dtype=torch.float64)
    q = torch.rand(m, generator=g, dtype=torch.float64)
    r = expect.tensor(submission.convolve_densities(p, q, dx), "convolve_densities(p, q, dx)", shape=(n + m - 1,))
    expect.scalar_close(r.sum().item() * dx, (p.sum() * dx * q.sum() * dx).item(), "sum(r) * dx",
                        atol=1e-9 * (1 + (p.sum() * q.sum()).item() * dx * dx),
                        hint="every product p[i] q[j] belongs to exactly one r[i + j], times dx")
    swapped = expect.tensor(submission.convolve_densities(q, p, dx), "convolve_densities(q, p, dx)", shape=(n + m - 1,))
    expect.close(swapped, r, "convolve_densities(q, p, dx) vs convolve_densities(p, q, dx)", atol=1e-12, rtol=1e-9)


@pytest.mark.points(1)
def test_convolution_is_vectorized_and_checks_its_input(submission):
    """convolve_densities of two 3000-point grids runs no Python loop over grid points; bad input raises ValueError."""
    p = torch.rand(3000, dtype=torch.float64)
    q = torch.rand(3000, dtype=torch.float64)
    r, _ = expect.python_steps(
        submission.convolve_densities, p, q, 0.01,
        within=submission.dir, budget=2000,
        description="convolve_densities of two 3000-point grids",
        hint="use torch.nn.functional.conv1d (flip q) or an FFT instead of Python loops",
    )
    expect.tensor(r, "convolve_densities of two 3000-point grids", shape=(5999,))
    expect.raises(ValueError, lambda: submission.convolve_densities(p, q, 0.0), "dx = 0")
    expect.raises(ValueError, lambda: submission.convolve_densities(p.reshape(30, 100), q, 0.1), "a 2-D p")
    expect.raises(ValueError, lambda: submission.convolve_densities(p[:0], q, 0.1), "an empty p")


@pytest.mark.points(1)
def test_sum_of_gaussians_closed_form(submission):
    """sum_of_gaussians adds the means and the variances (not the standard deviations)."""
    mu, sigma = submission.sum_of_gaussians(1.0, 3.0, 2.0, 4.0)
    expect.scalar_close(mu, 3.0, "mean of N(1, 3^2) + N(2, 4^2)", atol=1e-12)
    expect.scalar_close(sigma, 5.0, "standard deviation of N(1, 3^2) + N(2, 4^2)", atol=1e-12,
                        hint="for independent variables the variances add: sigma = sqrt(sigma1^2 + sigma2^2)")
    expect.raises(ValueError, lambda: submission.sum_of_gaussians(0.0, 0.0, 0.0, 1.0), "sigma1 = 0")
    expect.raises(ValueError, lambda: submission.sum_of_gaussians(0.0, 1.0, 0.0, -2.0), "sigma2 = -2")


