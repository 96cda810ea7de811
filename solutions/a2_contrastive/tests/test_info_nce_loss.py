"""Task 2: the NT-Xent (InfoNCE) loss of SimCLR, info_nce_loss(z1, z2, temperature)."""
import math
import traceback
from pathlib import Path

import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from torch.autograd.gradcheck import GradcheckError

from autograder import expect

pytestmark = pytest.mark.task("2", "info_nce_loss")

# Hypothesis's "explain" phase re-runs a failing test many times to annotate its counterexample;
# students see only the shrunk input, so skip it: a wrong submission is graded about 3x faster.
quick_failures = settings(phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink])

# Property tests that call the submission several times per example run FEW examples (the grading profile: 30).
# Detection power (instructor/measure_power.py, all 33 mutants): each of them fails for exactly the mutants it
# fails with 30 examples, also with 5 derandomized and with 10 random ones.
FEW = min(10, settings.default.max_examples)  # a lower cap in the profile still applies

n_pairs = st.integers(min_value=2, max_value=8)
dims = st.integers(min_value=2, max_value=12)
temperatures = st.floats(min_value=0.05, max_value=2.0)
seeds = st.integers(min_value=0, max_value=2**16)

# Shown (without "likely cause") when a value is wrong and no known mistake reproduces it.
GENERIC_ADVICE = ("check the L2 normalization, the division by the temperature (once), that the positive of z1[k] "
                  "is z2[k], that s_ii is left out of the denominator while the positive stays in, and the mean "
                  "over all 2N anchors")
OVERFLOW_HINT = "exp(1/tau) overflows float32: use torch.logsumexp or F.cross_entropy instead of exp followed by log"


def _random_pairs(n: int, d: int, seed: int, dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g, dtype=dtype), torch.randn(n, d, generator=g, dtype=dtype)


def _orthonormal_rows(n: int, d: int, seed: int) -> torch.Tensor:
    """n orthonormal vectors in R^d (n <= d), randomly rotated, float64."""
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    return q[:n]


def _aligned_family(n: int, tau: float, c: float) -> float:
    """Loss when every positive pair has cosine c and every negative pair cosine 0.

    Each of the 2N anchors has the same term -c/tau + log(exp(c/tau) + (2N - 2) * exp(0)).
    Written as log1p so it stays finite for tau = 0.01.
    """
    return math.log1p((2 * n - 2) * math.exp(-c / tau))


def _known_mistakes(n: int, tau: float, c: float) -> dict[str, float]:
    """What common wrong versions of the loss return in the setting of `_aligned_family`.

    Each value is the wrong formula worked out for that setting, so a match names the mistake.
    """
    return {
        "the anchor's similarity with itself (s_ii) is still in the denominator: leave it out":
            math.log(math.exp(1 / tau - c / tau) + 1 + (2 * n - 2) * math.exp(-c / tau)),
        "the similarities are divided by the temperature twice (tau^2): divide once":
            _aligned_family(n, tau * tau, c),
        "the similarities are not divided by the temperature":
            _aligned_family(n, 1.0, c),
        "the loss is summed over the 2N anchors instead of the mean":
            2 * n * _aligned_family(n, tau, c),
        "the two directions are added (the loss is twice the mean over the 2N anchors): divide the sum by 2N":
            2 * _aligned_family(n, tau, c),
        "the positive is missing from the denominator: it sums over all j != i, positive included":
            -c / tau + math.log(2 * n - 2),
        "the diagonal is set to 0 instead of -inf, so exp(0) = 1 stays in the denominator":
            math.log1p((2 * n - 1) * math.exp(-c / tau)),
        "only the N embeddings of the other view are in the denominator: the negatives are all 2N - 2 other rows, "
        "the anchor's own view included": math.log1p((n - 1) * math.exp(-c / tau)),
        "the partner of row i is taken as row i +- 1 (views interleaved), but [z1; z2] stacks the views: the "
        "positive of z1[k] is z2[k], row k + N": math.log(math.exp(c / tau) + 2 * n - 2),
    }


def _diagnose(got, mistakes: dict[str, float], tol: float) -> str:
    """The known mistake whose value matches ``got``: a verified diagnosis, given only when exactly one
    mistake matches (in small settings some coincide, e.g. log(N) = log(2N - 2) for N = 2); else ""."""
    try:
        value = float(got)
    except (TypeError, ValueError):
        return ""
    matches = [m for m, wrong in mistakes.items() if math.isfinite(wrong) and abs(value - wrong) <= tol]
    return matches[0] if len(matches) == 1 else ""


def _check_value(got, expected: float, name: str, *, atol: float, cause: str = "", advice: str = GENERIC_ADVICE):
    """``got`` within ``atol`` of ``expected``; else the evidence, then the verified cause or the neutral advice."""
    value = float(got)
    if abs(value - expected) <= atol:
        return
    lines = [f"{name} is {value:.6g}, expected {expected:.6g} (tolerance {atol:g})"]
    lines.append(f"likely cause: {cause}" if cause else advice)
    raise AssertionError("\n".join(line for line in lines if line))


def _one_number(value, name: str) -> torch.Tensor:
    """A tensor holding one number, as a 0-dim tensor (the exact shape is checked in one test only)."""
    value = expect.tensor(value, name)
    assert value.numel() == 1, f"{name} should hold one number, got shape {tuple(value.shape)}"
    return value.reshape(())


def _raised(exc: BaseException, folder) -> str:
    """``Type: message (file.py, line N)`` of an exception raised by the submission's code."""
    text = " ".join(str(exc).split())
    where = getattr(exc, "remote_where", "")  # set on exceptions that come back from the sandbox
    if not where:
        root = Path(folder).resolve()
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if root in Path(f.filename).resolve().parents]
        where = f"{Path(frames[-1].filename).name}, line {frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}: {text}" + (f" ({where})" if where else "")


def _loss(submission, z1, z2, tau, name="info_nce_loss(z1, z2, temperature)"):
    """The student's loss as a 0-dim tensor; an exception is reported with the call's shapes and dtype."""
    try:
        value = submission.info_nce_loss(z1, z2, tau)
    except NotImplementedError:
        raise
    except (RuntimeError, IndexError, ValueError, TypeError) as exc:
        expect._fail(f"info_nce_loss(z1, z2, {tau:g}) for z1, z2 of shape {tuple(z1.shape)} and dtype {z1.dtype} "
                     f"raised {_raised(exc, submission.dir)}")
    return _one_number(value, name)


@pytest.mark.points(1)
def test_returns_scalar_of_input_dtype(submission):
    """The loss is a 0-dim tensor (shape ()) with the dtype of z1 and z2."""
    for dtype in (torch.float32, torch.float64):
        z1, z2 = _random_pairs(4, 8, 0, dtype)
        name = f"info_nce_loss for {dtype} inputs"
        value = expect.tensor(submission.info_nce_loss(z1, z2, 0.5), name)
        if tuple(value.shape) != ():
            cause = ("the result keeps a dimension of size 1 (keepdim=True, a reshape, or a sum over a "
                     "(2N, 1) tensor): return a 0-dim tensor, e.g. per_anchor.mean()") if value.numel() == 1 else ""
            expect._fail(f"{name} has shape {tuple(value.shape)}, expected () (a 0-dim tensor)", cause)
        if value.dtype != dtype:
            expect._fail(f"{name} has dtype {value.dtype}, expected {dtype}",
                         f"the loss is computed in, or converted to, {value.dtype} (a .float()/.double() call, or "
                         "a tensor created without dtype=): keep the dtype of z1 and z2 throughout")


@pytest.mark.points(2)
def test_small_example(submission):
    """A 2-pair example worked out by hand (tau = 0.5)."""
    z1 = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    z2 = torch.tensor([[1.0, 1.0], [-1.0, 1.0]], dtype=torch.float64)  # not unit length on purpose
    # Unit vectors a = e1, b = e2, c = (1, 1)/sqrt2, d = (-1, 1)/sqrt2; pairs (a, c) and (b, d).
    # s_ab = s_cd = 0, s_ac = s_bc = s_bd = 1/sqrt2, s_ad = -1/sqrt2; s / tau = 0, +-sqrt2.
    # Anchors a and d: -sqrt2 + log(1 + e^sqrt2 + e^-sqrt2); anchors b and c: -sqrt2 + log(1 + 2 e^sqrt2).
    r = math.sqrt(2)
    expected = -r + 0.5 * (math.log(1 + math.exp(r) + math.exp(-r)) + math.log(1 + 2 * math.exp(r)))  # 0.53597
    got = _loss(submission, z1, z2, 0.5)
    _check_value(got, expected, "info_nce_loss(z1, z2, 0.5)", atol=1e-6)


@pytest.mark.points(1)
@settings(quick_failures, max_examples=FEW)
@given(n=n_pairs, d=dims, tau=temperatures, seed=seeds)
def test_identical_embeddings_give_log_2n_minus_1(submission, n, d, tau, seed):
    """When all 2N embeddings are the same vector, the loss is log(2N - 1) for every tau."""
    v = _random_pairs(1, d, seed)[0]
    z = v.expand(n, d).clone()
    got = _loss(submission, z, z.clone(), tau)
    mistakes = {
        "got log(2N): the anchor's similarity with itself (s_ii) is still in the denominator: leave it out":
            math.log(2 * n),
        "got 2N log(2N - 1): the loss is summed over the 2N anchors instead of the mean": 2 * n * math.log(2 * n - 1),
        "got N log(2N - 1): the loss is summed over the N pairs instead of the mean over the 2N anchors":
            n * math.log(2 * n - 1),
        "got 2 log(2N - 1): the two directions are added (the loss is twice the mean over the 2N anchors): "
        "divide the sum by 2N": 2 * math.log(2 * n - 1),
        "got log(2N - 2): the positive is missing from the denominator: it sums over all j != i, positive included":
            math.log(2 * n - 2),
        "got log(N): only the N embeddings of the other view are in the denominator: the negatives are all "
        "2N - 2 other rows, the anchor's own view included": math.log(n),
        "the diagonal is set to 0 instead of -inf, so exp(0) = 1 stays in the denominator":
            math.log(2 * n - 1 + math.exp(-1 / tau)),
    }
    _check_value(got, math.log(2 * n - 1), f"loss for N = {n} identical embeddings", atol=1e-6,
                 cause=_diagnose(got, mistakes, 1e-6))


@pytest.mark.points(2)
@settings(quick_failures, max_examples=FEW)
@given(n=n_pairs, extra=st.integers(0, 4), tau=temperatures, seed=seeds)
def test_identical_views_of_orthonormal_vectors(submission, n, extra, tau, seed):
    """z1 = z2 = N orthonormal rows gives log(exp(1/tau) + 2N - 2) - 1/tau."""
    z = _orthonormal_rows(n, n + extra, seed)
    got = _loss(submission, z, z.clone(), tau)
    _check_value(got, _aligned_family(n, tau, 1.0), f"loss for N = {n} identical orthonormal pairs, tau = {tau:g}",
                 atol=1e-6, cause=_diagnose(got, _known_mistakes(n, tau, 1.0), 1e-6))


@pytest.mark.points(1)
@settings(quick_failures, max_examples=FEW)
@given(n=n_pairs, tau=temperatures, seed=seeds)
def test_loss_decreases_as_positives_align(submission, n, tau, seed):
    """With orthogonal negatives and positive cosine c, the loss is log(exp(c/tau) + 2N - 2) - c/tau, falling in c."""
    basis = _orthonormal_rows(2 * n, 2 * n, seed)
    values = []
    for c in (-0.5, 0.0, 0.5, 0.9):
        z2 = c * basis[:n] + math.sqrt(1 - c * c) * basis[n:]  # cos(z1[k], z2[k]) = c, other pairs orthogonal
        got = _loss(submission, basis[:n], z2, tau)
        _check_value(got, _aligned_family(n, tau, c), f"loss for positive cosine c = {c}, tau = {tau:g}",
                     atol=1e-6, cause=_diagnose(got, _known_mistakes(n, tau, c), 1e-6))
        values.append(float(got))
    assert values == sorted(values, reverse=True), f"the loss should fall as the positives align, got {values}"


@pytest.mark.points(1)
@settings(quick_failures, max_examples=FEW)
@given(n=n_pairs, d=dims, tau=temperatures, seed=seeds, data=st.data())
def test_invariant_to_positive_rescaling(submission, n, d, tau, seed, data):
    """Multiplying any embedding by a positive number does not change the loss (cosine similarity)."""
    z1, z2 = _random_pairs(n, d, seed)
    scales = data.draw(st.lists(st.floats(0.1, 10.0), min_size=2 * n, max_size=2 * n), label="scales")
    a = torch.tensor(scales[:n], dtype=torch.float64)[:, None]
    b = torch.tensor(scales[n:], dtype=torch.float64)[:, None]
    plain = _loss(submission, z1, z2, tau)
    scaled = _loss(submission, a * z1, b * z2, tau, "loss of the rescaled embeddings")
    # Rescaling changes only the lengths of the rows: a loss that changes depends on them.
    _check_value(scaled, float(plain), "loss of the rescaled embeddings", atol=1e-6,
                 cause="the loss depends on the lengths of the embeddings: L2-normalize every row before the dot "
                       "products (cosine similarity ignores lengths)")


@pytest.mark.points(1)
@settings(quick_failures, max_examples=FEW)
@given(n=n_pairs, d=dims, tau=temperatures, seed=seeds)
def test_symmetric_in_the_two_views(submission, n, d, tau, seed):
    """Swapping the views, info_nce_loss(z2, z1), gives the same loss."""
    z1, z2 = _random_pairs(n, d, seed)
    forward = _loss(submission, z1, z2, tau)
    swapped = _loss(submission, z2, z1, tau, "info_nce_loss(z2, z1, temperature)")
    _check_value(swapped, float(forward), "info_nce_loss(z2, z1)", atol=1e-6,
                 advice="it should equal info_nce_loss(z1, z2): both views are anchors, all 2N rows of [z1; z2]")


@pytest.mark.points(1)
@settings(quick_failures, max_examples=FEW)
@given(n=n_pairs, d=dims, tau=temperatures, seed=seeds, data=st.data())
def test_invariant_to_permuting_pairs(submission, n, d, tau, seed, data):
    """Reordering the pairs (the same permutation for z1 and z2) does not change the loss."""
    z1, z2 = _random_pairs(n, d, seed)
    order = data.draw(st.permutations(range(n)), label="order")
    plain = _loss(submission, z1, z2, tau)
    permuted = _loss(submission, z1[order], z2[order], tau, "loss of the reordered pairs")
    # The same permutation of both views keeps every pair together: only the row numbers change.
    _check_value(permuted, float(plain), "loss of the reordered pairs", atol=1e-6,
                 cause="the loss depends on the row numbers of the pairs: the positive of z1[k] is z2[k] (and "
                       "vice versa), whatever the order of the pairs")


@pytest.mark.points(1)
@settings(quick_failures, max_examples=FEW)
@given(n=n_pairs, seed=seeds)
def test_stable_at_small_temperature(submission, n, seed):
    """At tau = 0.01 (terms up to exp(100)) the float32 loss is finite and correct."""
    z = _orthonormal_rows(n, n + 2, seed).float()
    name = f"float32 loss for N = {n} identical orthonormal pairs, tau = 0.01"
    got = float(_loss(submission, z, z.clone(), 0.01, name))
    cause = OVERFLOW_HINT if not math.isfinite(got) else _diagnose(got, _known_mistakes(n, 0.01, 1.0), 1e-5)
    _check_value(got, _aligned_family(n, 0.01, 1.0), name, atol=1e-5, cause=cause)
    z1, _ = _random_pairs(n, 16, seed, torch.float32)
    far = float(_loss(submission, z1, -z1, 0.01, "info_nce_loss(z1, -z1, 0.01) in float32"))
    # Positives point in opposite directions: the loss is large (about (1 + max s_neg) / tau) but finite.
    assert math.isfinite(far), (f"info_nce_loss(z1, -z1, 0.01) in float32 should be finite, got {far}\n"
                                f"likely cause: {OVERFLOW_HINT}")


class _StudentLoss(torch.autograd.Function):
    """Forward: the submission's loss; backward: the submission's autograd gradients (see loss_gradients)."""

    @staticmethod
    def forward(ctx, z1, z2, tau, submission):
        try:
            loss, grad_z1, grad_z2 = submission.loss_gradients(z1.detach(), z2.detach(), tau)
        except RuntimeError as exc:
            if "without gradient" not in str(exc):
                raise
            # loss_gradients (given code) checked that the loss has no autograd history.
            expect._fail(f"loss_gradients(z1, z2, {tau}): {exc}",
                         "info_nce_loss cuts its result off from z1 and z2 (.item(), .numpy(), .detach(), or "
                         "torch.tensor(...) of a computed value)")
        loss = _one_number(loss, "the loss from loss_gradients")
        if loss.dtype != z1.dtype:  # finite differences of a float32 loss are noise at eps = 1e-6
            expect._fail(f"info_nce_loss of {z1.dtype} embeddings has dtype {loss.dtype}",
                         f"the loss is computed in, or converted to, {loss.dtype}: keep the dtype of z1 and z2")
        ctx.save_for_backward(expect.tensor(grad_z1, "d loss / d z1", shape=tuple(z1.shape)),
                              expect.tensor(grad_z2, "d loss / d z2", shape=tuple(z2.shape)))
        return loss.clone()

    @staticmethod
    def backward(ctx, grad_output):
        grad_z1, grad_z2 = ctx.saved_tensors
        return grad_output * grad_z1, grad_output * grad_z2, None, None


@pytest.mark.points(1)
# gradcheck's fast mode compares one random directional derivative per input: 6 evaluations of the loss per
# example instead of up to 2 * 40 + 2 (every mutant fails exactly as with the full Jacobians; on a mismatch
# gradcheck recomputes the full Jacobians for its message).
@settings(quick_failures, max_examples=8)
@given(n=st.integers(2, 4), d=st.integers(2, 5), tau=st.sampled_from([0.1, 0.5, 1.0]), seed=seeds)
def test_gradients_match_finite_differences(submission, n, d, tau, seed):
    """The autograd gradients of the loss agree with finite differences (gradcheck, float64)."""
    z1, z2 = (z.requires_grad_(True) for z in _random_pairs(n, d, seed))
    try:
        ok = torch.autograd.gradcheck(lambda a, b: _StudentLoss.apply(a, b, tau, submission), (z1, z2),
                                      eps=1e-6, atol=1e-5, rtol=1e-4, raise_exception=True, fast_mode=True)
    except GradcheckError as exc:
        first = str(exc).splitlines()[0]
        # The float64 loss itself is the function differenced: autograd disagrees with it only where part
        # of the computation is hidden from autograd or changed in place.
        raise AssertionError(f"gradients of info_nce_loss disagree with finite differences: {first}\n"
                             "likely cause: part of the loss is cut off from autograd (.detach(), .data, .item(), "
                             "torch.tensor(...) of a computed value) or changed in place after autograd saved it"
                             ) from None
    assert ok


BAD_INPUT_CAUSES = {
    "shape": "info_nce_loss does not check that z1 and z2 are 2-D with the same shape: test z1.ndim and "
             "z1.shape == z2.shape first and raise ValueError",
    "pairs": "info_nce_loss does not check N >= 2 (with one pair an anchor has no negative): raise ValueError",
    "temperature": "info_nce_loss does not check temperature > 0: raise ValueError",
}


@pytest.mark.points(1)
def test_bad_input_raises(submission):
    """Mismatched shapes, fewer than 2 pairs, or temperature <= 0 raise ValueError."""
    z1, z2 = _random_pairs(3, 4, 0)
    cases = [
        (z1, z2[:, :3], 0.5, "z1 of shape (3, 4) with z2 of shape (3, 3)", "shape"),
        (z1, z2[:2], 0.5, "z1 of shape (3, 4) with z2 of shape (2, 4)", "shape"),
        (z1[0], z2[0], 0.5, "1-D z1 and z2 of shape (4,)", "shape"),
        (z1[:1], z2[:1], 0.5, "N = 1 pair (no negatives)", "pairs"),
        (z1, z2, 0.0, "temperature = 0", "temperature"),
        (z1, z2, -0.5, "temperature = -0.5", "temperature"),
    ]
    for a, b, tau, description, check in cases:
        try:
            submission.info_nce_loss(a, b, tau)
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as other:  # noqa: BLE001 - which exception, is the point of the test
            name = type(other).__name__
            text = " ".join(str(other).split())
            # torch's own errors mean the input reached the computation: no check stopped it.
            cause = (BAD_INPUT_CAUSES[check] if name in ("RuntimeError", "IndexError") else
                     f"the check for this input raises {name}: raise ValueError instead")
            expect._fail(f"{description} should raise ValueError, but raised {name}: {text}", cause)
        expect._fail(f"{description} should raise ValueError, but nothing was raised", BAD_INPUT_CAUSES[check])


### BEGIN HIDDEN TESTS
def _reference(z1: torch.Tensor, z2: torch.Tensor, tau: float, *, normalize: bool = True, keep_self: bool = False,
               zero_self: bool = False, tau_power: int = 1, z1_anchors_only: bool = False,
               reduction: str = "mean", interleaved: bool = False, other_view_only: bool = False,
               positive_out: bool = False, scale: float = 1.0) -> torch.Tensor:
    """Independent NT-Xent in float64: cross-entropy over the masked similarity matrix.

    The keyword arguments switch on one classic mistake each, to name it in the feedback.
    """
    n = z1.shape[0]
    u = torch.cat([z1, z2]).double()
    if normalize:
        u = u / u.norm(dim=1, keepdim=True)
    logits = u @ u.T / tau**tau_power
    if not keep_self:
        logits.fill_diagonal_(0.0 if zero_self else float("-inf"))
    if other_view_only:
        logits[:n, :n] = float("-inf")
        logits[n:, n:] = float("-inf")
    rows = torch.arange(2 * n)
    targets = rows ^ 1 if interleaved else torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    if z1_anchors_only:
        logits, targets, rows = logits[:n], targets[:n], rows[:n]
    if positive_out:
        positive = logits[rows, targets]
        rest = logits.clone()
        rest[rows, targets] = float("-inf")
        per_anchor = torch.logsumexp(rest, dim=1) - positive
        return scale * (per_anchor.sum() if reduction == "sum" else per_anchor.mean())
    return scale * torch.nn.functional.cross_entropy(logits, targets, reduction=reduction)


MISTAKES = {
    "the anchor's similarity with itself (s_ii) is still in the denominator: leave it out": dict(keep_self=True),
    "the diagonal is set to 0 instead of -inf, so exp(0) = 1 stays in the denominator": dict(zero_self=True),
    "the embeddings are not L2-normalized: cosine similarity needs unit rows": dict(normalize=False),
    "only the rows of z1 are anchors: use all 2N rows of [z1; z2]": dict(z1_anchors_only=True),
    "the similarities are divided by the temperature twice (tau^2): divide once": dict(tau_power=2),
    "the similarities are not divided by the temperature": dict(tau_power=0),
    "the loss is summed over the 2N anchors instead of the mean": dict(reduction="sum"),
    "the two directions are added (the loss is twice the mean over the 2N anchors): divide the sum by 2N":
        dict(scale=2.0),
    "the positive is missing from the denominator: it sums over all j != i, positive included":
        dict(positive_out=True),
    "only the N embeddings of the other view are in the denominator: the negatives are all 2N - 2 other rows, "
    "the anchor's own view included": dict(other_view_only=True),
    "the partner of row i is taken as row i +- 1 (views interleaved), but [z1; z2] stacks the views: the "
    "positive of z1[k] is z2[k], row k + N": dict(interleaved=True),
}


def _hidden_diagnosis(got: float, z1, z2, tau, tol: float) -> str:
    """The mistake whose value, recomputed on these embeddings, matches ``got`` ("" if none does)."""
    if not math.isfinite(got):  # exp(s / tau) overflows only in float32 at the temperatures tested
        return OVERFLOW_HINT if z1.dtype == torch.float32 else ""
    return _diagnose(got, {m: float(_reference(z1, z2, tau, **kw)) for m, kw in MISTAKES.items()}, tol)


@pytest.mark.hidden
@pytest.mark.points(3)
@quick_failures
@given(n=n_pairs, d=st.integers(1, 16), tau=temperatures, seed=seeds)
def test_matches_independent_implementation(submission, n, d, tau, seed):
    """Random embeddings: the loss matches a cross-entropy formulation of NT-Xent to 1e-5."""
    z1, z2 = _random_pairs(n, d, seed)
    got = float(_loss(submission, z1, z2, tau))
    _check_value(got, float(_reference(z1, z2, tau)), f"loss for N = {n}, D = {d}, tau = {tau:g}",
                 atol=1e-5, cause=_hidden_diagnosis(got, z1, z2, tau, 1e-5))


@pytest.mark.hidden
@pytest.mark.points(1)
@quick_failures
@given(n=n_pairs, tau=st.sampled_from([0.01, 0.02, 0.05]), seed=seeds)
def test_matches_independent_implementation_float32_small_temperature(submission, n, tau, seed):
    """float32 embeddings at tau <= 0.05: the loss matches the reference (log-sum-exp needed)."""
    z1, z2 = _random_pairs(n, 32, seed, torch.float32)
    z2 = z1 + 0.3 * z2  # positives similar, so the loss is small and exp(s / tau) is huge
    got = float(_loss(submission, z1, z2, tau))
    # float32 cosines carry ~1e-7 error; divided by tau = 0.01 that is ~1e-5 in the logits.
    _check_value(got, float(_reference(z1, z2, tau)), f"float32 loss for N = {n}, tau = {tau:g}",
                 atol=2e-4, cause=_hidden_diagnosis(got, z1, z2, tau, 2e-4))
### END HIDDEN TESTS
