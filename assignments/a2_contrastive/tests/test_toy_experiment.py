"""Task 3: SimpleEncoder and the toy contrastive experiment on C1, C2 = C1 + noise, B1."""
import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from autograder import expect

pytestmark = pytest.mark.task("3", "SimpleEncoder and the toy experiment")

# Hypothesis's "explain" phase re-runs a failing test many times to annotate its counterexample;
# students see only the shrunk input, so skip it: a wrong submission is graded about 3x faster.
quick_failures = settings(phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink])

# The encoder is tiny: one thread is ~10x faster than several threads competing on a busy grading machine.
torch.set_num_threads(1)

PARAMETER_SHAPES = [(16, 3, 3, 3), (16,), (128, 4096), (128,)]
N_PARAMETERS = 3 * 16 * 3 * 3 + 16 + 4096 * 128 + 128  # 524,864
KEYS = ("images", "embeddings_before", "embeddings_after", "similarity_before", "similarity_after", "losses")
STEPS = 10  # the tests train for 10 steps (the default is 30) to stay fast


def _images(batch: int, seed: int) -> torch.Tensor:
    return torch.rand(batch, 3, 32, 32, generator=torch.Generator().manual_seed(seed))


def _parameters(encoder) -> list[torch.Tensor]:
    return [p.detach() for p in encoder.parameters()]


@pytest.mark.points(1)
@quick_failures
@given(batch=st.integers(min_value=1, max_value=16), seed=st.integers(0, 2**16))
def test_encoder_output_shape_and_unit_rows(submission, batch, seed):
    """SimpleEncoder maps (B, 3, 32, 32) to (B, 128) float32 rows of length 1."""
    encoder = submission.SimpleEncoder()
    z = expect.tensor(encoder(_images(batch, seed)), f"SimpleEncoder()(x) for B = {batch}", shape=(batch, 128),
                      dtype=torch.float32)
    expect.close(z.detach().norm(dim=1), torch.ones(batch), "row norms of the output", atol=1e-5,
                 hint="L2-normalize each output row: F.normalize(z, dim=1)")


@pytest.mark.points(1)
def test_encoder_parameters(submission):
    """SimpleEncoder has a 3->16 conv (3x3 kernel) and a 4096->128 linear layer: 524,864 parameters."""
    encoder = submission.SimpleEncoder()
    shapes = sorted(tuple(p.shape) for p in _parameters(encoder))
    total = sum(p.numel() for p in _parameters(encoder))
    assert shapes == sorted(PARAMETER_SHAPES), (
        f"parameter shapes are {shapes}, expected {sorted(PARAMETER_SHAPES)} "
        "(conv weight and bias, linear weight and bias)")
    assert total == N_PARAMETERS, f"the encoder has {total} parameters, expected {N_PARAMETERS}"


def _result(submission, seed: int, steps: int = STEPS, **kwargs) -> dict:
    """The experiment's dict, checked for keys, shapes and dtypes (cached per submission and arguments)."""
    key = (str(submission.dir), seed, steps, tuple(sorted(kwargs.items())))
    if key not in _cache:
        result = submission.contrastive_toy_experiment(steps=steps, seed=seed, **kwargs)
        assert isinstance(result, dict), f"contrastive_toy_experiment should return a dict, got {type(result).__name__}"
        missing = [k for k in KEYS if k not in result]
        assert not missing, f"the result dict lacks the keys {missing}"
        shapes = {"images": (3, 3, 32, 32), "embeddings_before": (3, 128), "embeddings_after": (3, 128),
                  "similarity_before": (3, 3), "similarity_after": (3, 3), "losses": (steps,)}
        for name, shape in shapes.items():
            expect.tensor(result[name], f'result["{name}"]', shape=shape, dtype=torch.float32)
        _cache[key] = {k: result[k].detach() for k in KEYS}
    return _cache[key]


_cache: dict = {}


@pytest.mark.points(1)
def test_experiment_returns_documented_tensors(submission):
    """The result holds the toy images and unit-length embeddings before and after training."""
    result = _result(submission, seed=0)
    expect.close(result["images"], submission.make_toy_images(0), 'result["images"]', atol=0.0, rtol=0.0,
                 hint="take the images from make_toy_images(seed)")
    for name in ("embeddings_before", "embeddings_after"):
        expect.close(result[name].norm(dim=1), torch.ones(3), f'row norms of result["{name}"]', atol=1e-5,
                     hint="the embeddings are outputs of SimpleEncoder, whose rows have length 1")
    same = torch.equal(result["embeddings_before"], result["embeddings_after"])
    assert not same, "embeddings_after equals embeddings_before: did the optimizer update the encoder?"


@pytest.mark.points(1)
def test_similarities_are_cosines_of_the_embeddings(submission):
    """similarity_before/after[i, j] is the cosine of embeddings i and j (symmetric, ones on the diagonal)."""
    result = _result(submission, seed=0)
    for when in ("before", "after"):
        z = result[f"embeddings_{when}"].double()
        expect.close(result[f"similarity_{when}"], z @ z.T, f'result["similarity_{when}"]', atol=1e-5,
                     hint="for unit rows the cosine similarities are z @ z.T")


@pytest.mark.points(1)
def test_losses_start_at_the_untrained_loss_and_fall(submission):
    """losses[0] is the loss of the untrained encoder on the pairs (C1, C2), (B1, B1); the last loss is lower."""
    result = _result(submission, seed=0)
    z, losses = result["embeddings_before"], result["losses"]
    untrained = submission.info_nce_loss(z[[0, 2]], z[[1, 2]], 0.5)
    expect.scalar_close(losses[0], float(untrained), "losses[0]", atol=1e-4,
                        hint="record each step's loss before its update; the batch is z1 = f([C1, B1]), z2 = f([C2, B1])")
    assert torch.isfinite(losses).all() and losses[-1] < losses[0], (
        f"the loss should fall during training, got {losses.tolist()}")


# Measured with the reference (10 steps, lr 1e-3, tau 0.5), seeds 0..19, on the sheet's images (C1, B1 standard
# normal, C2 = C1 + 0.5 noise; instructor/measure_toy.py): before training cos(C1, C2) is 0.882..0.921 and the
# larger negative cosine -0.106..0.221, so the premise holds for every seed. The gain of cos(C1, C2) is at least
# 0.077 (it cannot exceed about 0.1: the pair starts near 0.9 and ends at >= 0.995); cos(C1, B1) and cos(C2, B1)
# drop by at least 0.710; after training cos(C1, C2) exceeds both negative cosines by at least 1.759.
# A loss that divides by tau twice runs at tau = 0.25: gain >= 0.076, drops >= 0.522, margin >= 1.481 (tau 0.2:
# 0.076, 0.452, 1.391), so the thresholds below pass it too and that mistake costs points in task 2 only.
# Margins for the reference's worst seed: gain 0.077 vs 0.03, drop 0.710 vs 0.3, order 1.759 vs 1.0.
MIN_POSITIVE_GAIN = 0.03
MIN_NEGATIVE_DROP = 0.3
MIN_ORDER_MARGIN = 1.0


def _check_separation(submission, seeds, **kwargs):
    for seed in seeds:
        result = _result(submission, seed=seed, **kwargs)
        before, after = result["similarity_before"], result["similarity_after"]
        where = f"seed {seed}" + "".join(f", {k} = {v}" for k, v in kwargs.items())
        gain = float(after[0, 1] - before[0, 1])
        assert gain > MIN_POSITIVE_GAIN, (
            f"{where}: cos(C1, C2) went from {float(before[0, 1]):.3f} to {float(after[0, 1]):.3f}; "
            f"expected it to grow by more than {MIN_POSITIVE_GAIN}\n"
            "likely cause: the positive pairs are wrong (z1 = f([C1, B1]), z2 = f([C2, B1])) or no update was made")
        for j, name in ((0, "C1"), (1, "C2")):
            drop = float(before[j, 2] - after[j, 2])
            assert drop >= MIN_NEGATIVE_DROP, (
                f"{where}: cos({name}, B1) went from {float(before[j, 2]):.3f} to {float(after[j, 2]):.3f}; "
                f"expected it to fall by at least {MIN_NEGATIVE_DROP}\n"
                "likely cause: B1 is not a negative for C1 and C2, or no update was made")
        margin = float(after[0, 1] - torch.maximum(after[0, 2], after[1, 2]))
        assert margin >= MIN_ORDER_MARGIN, (
            f"{where}: after training cos(C1, C2) = {float(after[0, 1]):.3f} should exceed cos(C1, B1) = "
            f"{float(after[0, 2]):.3f} and cos(C2, B1) = {float(after[1, 2]):.3f} by at least {MIN_ORDER_MARGIN}")


@pytest.mark.points(2)
def test_positives_closer_and_negatives_apart(submission):
    """For seeds 0-4, training raises cos(C1, C2), lowers cos(C1, B1) and cos(C2, B1), and ranks the positive first."""
    _check_separation(submission, seeds=range(5))


@pytest.mark.points(1)
def test_reproducible_with_seed(submission):
    """The same seed gives the same result; another seed gives other images and weights."""
    first = _result(submission, seed=0)
    again = submission.contrastive_toy_experiment(steps=STEPS, seed=0)
    other = _result(submission, seed=1)
    for name in ("images", "embeddings_before"):
        expect.close(again[name], first[name], f'result["{name}"] of a second run with seed 0', atol=0.0, rtol=0.0,
                     hint="seed torch (torch.manual_seed) before building the encoder")
    expect.close(again["embeddings_after"], first["embeddings_after"], 'result["embeddings_after"] of a second run',
                 atol=1e-5, hint="seed torch (torch.manual_seed) before building the encoder")
    assert not torch.equal(other["embeddings_before"], first["embeddings_before"]), (
        "seeds 0 and 1 gave the same untrained embeddings: is the seed used?")


