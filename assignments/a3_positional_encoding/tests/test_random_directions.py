"""Task 4 (bonus): random directions in high dimension are nearly orthogonal."""
import math

import pytest
import torch

from autograder import expect

pytestmark = pytest.mark.task("4", "mean_abs_cosine (bonus)", bonus=True)

SAME_VECTORS = "u and v are the same vectors (cos = 1 for every pair): draw them with two torch.randn calls"
NOT_FROM_GENERATOR = "some random numbers are not drawn from `generator`: pass generator=generator to every torch.randn"


def expected_mean_abs_cosine(dim: int) -> float:
    """E|cos| for uniform directions in R^dim: Gamma(dim/2) / (sqrt(pi) Gamma((dim+1)/2))."""
    return math.exp(math.lgamma(dim / 2) - math.lgamma((dim + 1) / 2)) / math.sqrt(math.pi)


@pytest.mark.points(1)
def test_reproducible_with_generator(submission):
    """The same generator seed gives the same value; another seed a different one."""
    a = submission.mean_abs_cosine(32, 100, torch.Generator().manual_seed(1))
    b = submission.mean_abs_cosine(32, 100, torch.Generator().manual_seed(1))
    c = submission.mean_abs_cosine(32, 100, torch.Generator().manual_seed(2))
    expect.scalar_close(a, float(b), "value for seed 1, second call", atol=0.0, hint=NOT_FROM_GENERATOR)
    if float(a) == float(c):
        expect._fail(f"seeds 1 and 2 gave the same value {float(a):.6g}",
                     SAME_VECTORS if abs(float(a) - 1.0) <= 1e-9 else
                     "the value does not depend on `generator` (a fixed seed, or a generator of its own?): "
                     "draw with torch.randn(..., generator=generator)")


def _mistakes(dim: int, n_pairs: int) -> list[tuple[str, float, float]]:
    """``(cause, mean, half-width)`` per classic mistake: what it gives on average for ``dim`` and
    ``n_pairs``, and five standard errors around that (so a student's value from the mistake falls
    inside with probability above 1 - 1e-6)."""
    wrong_axis = expected_mean_abs_cosine(n_pairs)  # dim vectors of length n_pairs
    g = torch.Generator().manual_seed(0)
    uniform = torch.nn.functional.cosine_similarity(torch.rand(n_pairs, dim, generator=g, dtype=torch.float64),
                                                    torch.rand(n_pairs, dim, generator=g, dtype=torch.float64),
                                                    dim=1).abs()
    return [
        ("the mean of cos(u, v) instead of |cos(u, v)|: take .abs() before .mean()",
         0.0, 5 * math.sqrt(1 / dim / n_pairs)),  # E cos = 0, Var cos = 1/dim
        (SAME_VECTORS, 1.0, 1e-9),
        ("cos is taken along the pairs, not along each vector's dim entries: draw u, v of shape "
         "(n_pairs, dim) and use cosine_similarity(u, v, dim=1)",
         wrong_axis, 5 * math.sqrt((1 / n_pairs - wrong_axis**2) / dim)),
        ("the entries are uniform on [0, 1) (torch.rand), not standard normal (torch.randn)",
         uniform.mean().item(), 5 * math.sqrt(2 / n_pairs) * uniform.std().item()),  # both means estimated
    ]


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
    name = f"mean_abs_cosine({dim}, {n_pairs})"
    try:
        value = float(got)
    except (TypeError, ValueError):
        expect._fail(f"{name} should be a number, got {type(got).__name__}")
    if abs(value - mean) <= tolerance:
        return
    # A diagnosis only where exactly one classic mistake explains the value (at dim 4 and 64 some overlap).
    causes = [cause for cause, centre, half in _mistakes(dim, n_pairs) if abs(value - centre) <= half]
    evidence = f"{name} is {value:.6g}, expected {mean:.6g} (tolerance {tolerance:.2g})"
    if len(causes) == 1:
        expect._fail(evidence, causes[0])
    expect._fail(evidence + "\ncos(u, v) = u.v / (|u| |v|) with u, v standard normal; take |.| before the mean")
