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


def _raises_for_nonpositive(call, what: str) -> None:
    """``call(0.0)`` and ``call(-1.0)`` raise ValueError; a check that lets exactly 0 through is named."""
    def raised(value):
        try:
            call(value)
        except ValueError:
            return True
        except NotImplementedError:
            raise
        except Exception:  # noqa: BLE001  (expect.raises below reports it)
            return False
        return False

    if not raised(0.0) and raised(-1.0):
        raise AssertionError(f"{what.format(0.0)} should raise ValueError, but nothing was raised\n"
                             "likely cause: the check lets 0 through: test for <= 0, not < 0")
    for bad in (0.0, -1.0):
        expect.raises(ValueError, lambda: call(bad), what.format(bad))


@pytest.mark.points(1)
@fast_failure
@given(mu=means, sigma=stds)
def test_gaussian_pdf_matches_torch_normal(submission, mu, sigma):
    """gaussian_pdf agrees with torch.distributions.Normal, keeps shape and dtype, and rejects sigma <= 0."""
    x = torch.linspace(-8, 8, 33, dtype=torch.float64).reshape(3, 11)
    got = expect.tensor(submission.gaussian_pdf(x, mu, sigma), "gaussian_pdf(x, mu, sigma)", shape=(3, 11),
                        dtype=torch.float64)
    expected = torch.distributions.Normal(torch.tensor(mu, dtype=torch.float64), torch.tensor(sigma, dtype=torch.float64)).log_prob(x).exp()
    z2, root = ((x - mu) / sigma) ** 2, math.sqrt(2 * math.pi)
    expect.close_or_diagnose(got, expected, "gaussian_pdf(x, mu, sigma)", atol=1e-12, rtol=1e-9, suspects=[
        ("the exponent lacks the factor 1/2: exp(-(x - mu)^2 / (2 sigma^2))", torch.exp(-z2) / (sigma * root)),
        ("the normalization divides by sigma^2 instead of sigma", torch.exp(-0.5 * z2) / (sigma**2 * root)),
        ("the normalization lacks the square root: sigma * sqrt(2 pi)", torch.exp(-0.5 * z2) / (sigma * 2 * math.pi)),
        ("sigma is used as the variance: the exponent divides by 2 sigma^2",
         torch.exp(-0.5 * (x - mu) ** 2 / sigma) / (sigma * root)),
    ], neutral="the density is exp(-(x - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi))")
    x32 = torch.zeros(4, dtype=torch.float32)
    got32 = submission.gaussian_pdf(x32, mu, sigma)
    if isinstance(got32, torch.Tensor) and got32.dtype == torch.float64:
        raise AssertionError("gaussian_pdf of a float32 tensor has dtype torch.float64, expected torch.float32\n"
                             "likely cause: the computation converts to float64 (.double(), a float64 tensor or a numpy "
                             "array as a constant): compute with x and Python floats (math.sqrt, math.pi)")
    expect.tensor(got32, "gaussian_pdf of a float32 tensor", shape=(4,), dtype=torch.float32)
    _raises_for_nonpositive(lambda bad: submission.gaussian_pdf(x, mu, bad), f"gaussian_pdf(x, {mu}, sigma={{}})")


@pytest.mark.points(1)
def test_convolve_small_example(submission):
    """convolve_densities([1, 2, 3], [0, 1, 2, 4], dx=0.5) is 0.5 * [0, 1, 4, 11, 14, 12] (full convolution, times dx), float64 also for float32 input."""
    p = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    q = torch.tensor([0.0, 1.0, 2.0, 4.0], dtype=torch.float64)
    got = expect.tensor(submission.convolve_densities(p, q, 0.5), "convolve_densities(p, q, 0.5)")
    if tuple(got.shape) in ((3,), (4,)):
        raise AssertionError(f"convolve_densities(p, q, 0.5) of p with 3 and q with 4 entries has shape {tuple(got.shape)}, "
                             "expected (6,)\nlikely cause: the result keeps the length of one input (mode 'same' or "
                             "'valid'); the full convolution has n + m - 1 entries: pad by m - 1 on both sides")
    expect.tensor(got, "convolve_densities(p, q, 0.5)", shape=(6,), dtype=torch.float64)
    full, flipped = [0.0, 1.0, 4.0, 11.0, 14.0, 12.0], [4.0, 10.0, 17.0, 8.0, 3.0, 0.0]
    expect.close_or_diagnose(got, 0.5 * torch.tensor(full), "convolve_densities(p, q, 0.5)", atol=1e-12, suspects=[
        ("q is not flipped: that is a cross-correlation, a convolution flips q", 0.5 * torch.tensor(flipped)),
        ("the factor dx of the Riemann sum is missing", torch.tensor(full)),
        ("q is not flipped (a cross-correlation) and the factor dx is missing", torch.tensor(flipped)),
    ], neutral="r[k] = dx * sum_i p[i] q[k - i] (only terms with 0 <= k - i < m)")
    got32 = expect.tensor(submission.convolve_densities(p.float(), q.float(), 0.5),
                          "convolve_densities of float32 p and q")
    if got32.dtype == torch.float32:
        raise AssertionError("convolve_densities of float32 p and q has dtype torch.float32, expected torch.float64\n"
                             "likely cause: the inputs keep their float32: convert p and q to float64 (.double()) first")
    expect.tensor(got32, "convolve_densities of float32 p and q", shape=(6,), dtype=torch.float64)


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
    sigma = math.sqrt(sigma1**2 + sigma2**2)
    expected = _normal_pdf(z, mu1 + mu2, sigma)
    # On this symmetric grid a cross-correlation is the density of X - Y on the same z_k.
    expect.close_or_diagnose(got, expected, "convolve_densities(p, q, dx)", atol=1e-6, rtol=1e-4, suspects=[
        ("q is not flipped: the peak is at mu1 - mu2 (a cross-correlation, the density of X - Y)",
         _normal_pdf(z, mu1 - mu2, sigma)),
        ("the factor dx of the Riemann sum is missing", expected / dx),
    ], neutral="the result should be the density of N(mu1 + mu2, sigma1^2 + sigma2^2) at z_k = x_0 + y_0 + k dx")


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
    mass = (p.sum() * dx * q.sum() * dx).item()
    tolerance = 1e-9 * (1 + (p.sum() * q.sum()).item() * dx * dx)
    got = r.sum().item() * dx
    if abs(got - mass) > tolerance and abs(got - mass / dx) <= tolerance / min(dx, 1):
        raise AssertionError(f"sum(r) * dx is {got:.6g}, expected (sum(p) dx)(sum(q) dx) = {mass:.6g}\n"
                             "likely cause: the factor dx of the Riemann sum is missing")
    expect.scalar_close(got, mass, "sum(r) * dx", atol=tolerance)
    swapped = expect.tensor(submission.convolve_densities(q, p, dx), "convolve_densities(q, p, dx)", shape=(n + m - 1,))
    expect.close_or_diagnose(swapped, r, "convolve_densities(q, p, dx) vs convolve_densities(p, q, dx)", atol=1e-12,
                             rtol=1e-9, suspects=[("q is not flipped: a cross-correlation depends on the order of p "
                                                   "and q (swapping them reverses it), a convolution does not",
                                                   torch.flip(r, dims=[0]))])


@pytest.mark.points(1)
def test_convolution_is_vectorized_and_checks_its_input(submission):
    """convolve_densities of two 3000-point grids runs no Python loop over grid points; bad input raises ValueError."""
    p = torch.rand(3000, dtype=torch.float64)
    q = torch.rand(3000, dtype=torch.float64)
    r, _ = expect.python_steps(
        submission.convolve_densities, p, q, 0.01,
        within=submission.dir, budget=2000,
        description="convolve_densities of two 3000-point grids",
        hint="a Python loop over the grid points: use torch.nn.functional.conv1d (flip q) or an FFT",
    )
    expect.tensor(r, "convolve_densities of two 3000-point grids", shape=(5999,))
    _raises_for_nonpositive(lambda bad: submission.convolve_densities(p, q, bad), "convolve_densities with dx = {}")
    for args, what in (((p.reshape(30, 100), q), "a 2-D p of shape (30, 100)"), ((p, q.reshape(3, 1000)), "a 2-D q"),
                       ((p[:0], q), "an empty p")):
        try:
            submission.convolve_densities(*args, 0.1)
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as other:  # noqa: BLE001
            raise AssertionError(f"convolve_densities with {what} should raise ValueError, but raised "
                                 f"{type(other).__name__}: {' '.join(str(other).split())[:150]}\nlikely cause: the "
                                 "shapes are not checked first: raise ValueError unless p and q are non-empty 1-D "
                                 "tensors") from None
        raise AssertionError(f"convolve_densities with {what} should raise ValueError, but nothing was raised\n"
                             "likely cause: the shapes are not checked: raise ValueError unless p and q are non-empty "
                             "1-D tensors")


@pytest.mark.points(1)
def test_sum_of_gaussians_closed_form(submission):
    """sum_of_gaussians adds the means and the variances (not the standard deviations), returns Python floats and checks the sigmas."""
    out = submission.sum_of_gaussians(1.0, 3.0, 2.0, 4.0)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise AssertionError(f"sum_of_gaussians should return a pair (mu, sigma), got {out!r}")
    mu, sigma = out
    expect.scalar_close(mu, 3.0, "mean of N(1, 3^2) + N(2, 4^2)", atol=1e-12)
    causes = {7.0: "the standard deviations are added; for independent variables the variances add",
              25.0: "it returns the variance sigma1^2 + sigma2^2; sigma is its square root"}
    cause = next((text for value, text in causes.items() if abs(float(sigma) - value) < 1e-9), None)
    expect.scalar_close(sigma, 5.0, "standard deviation of N(1, 3^2) + N(2, 4^2)", atol=1e-12, hint=cause)
    for name, value in (("mu", mu), ("sigma", sigma)):
        if not isinstance(value, float):
            raise AssertionError(f"{name} should be a Python float, got {type(value).__module__}.{type(value).__name__}\n"
                                 f"likely cause: {name} is computed as a {type(value).__name__}: convert it with float(...)")
    _raises_for_nonpositive(lambda bad: submission.sum_of_gaussians(0.0, bad, 0.0, 1.0),
                            "sum_of_gaussians(0, sigma1={}, 0, 1)")
    _raises_for_nonpositive(lambda bad: submission.sum_of_gaussians(0.0, 1.0, 0.0, bad),
                            "sum_of_gaussians(0, 1, 0, sigma2={})")


