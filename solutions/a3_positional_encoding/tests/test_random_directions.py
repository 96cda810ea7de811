"""Task 4 (bonus): random directions in high dimension are nearly orthogonal."""
import math

import pytest
import torch

from autograder import expect

pytestmark = pytest.mark.task("4", "mean_abs_cosine (bonus)", bonus=True)


def expected_mean_abs_cosine(dim: int) -> float:
    """E|cos| for uniform directions in R^dim: Gamma(dim/2) / (sqrt(pi) Gamma((dim+1)/2))."""
    return math.exp(math.lgamma(dim / 2) - math.lgamma((dim + 1) / 2)) / math.sqrt(math.pi)


@pytest.mark.points(1)
def test_reproducible_with_generator(submission):
    """The same generator seed gives the same value; another seed a different one."""
    a = submission.mean_abs_cosine(32, 100, torch.Generator().manual_seed(1))
    b = submission.mean_abs_cosine(32, 100, torch.Generator().manual_seed(1))
    c = submission.mean_abs_cosine(32, 100, torch.Generator().manual_seed(2))
    expect.scalar_close(a, float(b), "value for seed 1, second call", atol=0.0,
                        hint="draw all random numbers with torch.randn(..., generator=generator)")
    assert float(a) != float(c), "seeds 1 and 2 gave the same value: is the generator used?"


@pytest.mark.points(1)
@pytest.mark.parametrize("dim", [4, 64, 1024])
def test_matches_closed_form(submission, dim):
    """mean |cos| matches Gamma(p/2) / (sqrt(pi) Gamma((p+1)/2)) ~ sqrt(2 / (pi p))."""
    n_pairs = 4000
    got = submission.mean_abs_cosine(dim, n_pairs, torch.Generator().manual_seed(dim))
    mean = expected_mean_abs_cosine(dim)
    # Var|cos| = 1/dim - mean^2 (E cos^2 = 1/dim). Five standard errors: a correct
    # implementation fails with probability below 1e-6 for any seed.
    tolerance = 5 * math.sqrt((1 / dim - mean**2) / n_pairs)
    expect.scalar_close(got, mean, f"mean_abs_cosine({dim}, {n_pairs})", atol=tolerance,
                        hint="cos(u, v) = u.v / (|u| |v|) with u, v standard normal; take |.| before the mean")
