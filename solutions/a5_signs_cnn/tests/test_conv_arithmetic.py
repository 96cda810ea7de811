"""Task 2: the output size of a 2-D convolution."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from autograder import expect

torch.set_num_threads(1)  # tiny tensors: threads only add overhead, more so on a busy machine
# No "explain" phase: after a failure it re-runs the test many times under a line tracer, which
# costs seconds with torch and adds nothing to what students see (the smallest failing input).
fast_failure = settings(phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink))

pytestmark = pytest.mark.task("2", "conv2d_output_size")

FORMULA = "H_out = floor((H + 2p - d(K - 1) - 1) / s) + 1 on each axis"


def _torch_output_size(size, kernel, stride, padding, dilation):
    """What PyTorch itself produces, or None if it refuses the arguments."""
    x = torch.zeros(1, 1, *size)
    weight = torch.zeros(1, 1, *kernel)
    try:
        return tuple(F.conv2d(x, weight, stride=stride, padding=padding, dilation=dilation).shape[-2:])
    except RuntimeError:
        return None


def _check(submission, size, kernel, stride, padding, dilation):
    expected = _torch_output_size(size, kernel, stride, padding, dilation)
    call = (f"conv2d_output_size({size}, kernel_size={kernel}, stride={stride}, padding={padding}, "
            f"dilation={dilation})")
    if expected is None:
        expect.raises(ValueError, lambda: submission.conv2d_output_size(size, kernel_size=kernel, stride=stride,
                                                                        padding=padding, dilation=dilation),
                      f"{call} (the kernel does not fit into the padded input)")
        return
    got = submission.conv2d_output_size(size, kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)
    if not (isinstance(got, tuple) and len(got) == 2 and all(type(v) is int for v in got)):
        raise AssertionError(f"{call} should return a tuple of two Python ints, got {got!r}")
    if got != expected:
        raise AssertionError(f"{call} is {got}, nn.Conv2d gives {expected}\nlikely cause: {FORMULA}")


@pytest.mark.points(1)
def test_examples(submission):
    """Examples: 3x3 "same" keeps 64x64, 5x5 "valid" shrinks 69 to 65, stride 2 halves (rounding down)."""
    cases = [((64, 64), 3, 1, 1, 1, (64, 64)), ((69, 69), 5, 1, 0, 1, (65, 65)), ((64, 64), 2, 2, 0, 1, (32, 32)),
             ((7, 9), 3, 2, 0, 1, (3, 4)), ((10, 10), 3, 1, 0, 2, (6, 6)), ((5, 8), (3, 1), 1, 0, 1, (3, 8))]
    for size, k, s, p, d, expected in cases:
        got = submission.conv2d_output_size(size, kernel_size=k, stride=s, padding=p, dilation=d)
        if tuple(got) != expected or not all(type(v) is int for v in got):
            raise AssertionError(f"conv2d_output_size({size}, kernel_size={k}, stride={s}, padding={p}, dilation={d}) "
                                 f"is {got!r}, expected {expected}\nlikely cause: {FORMULA}")


@pytest.mark.points(2)
@fast_failure
@given(size=st.tuples(st.integers(1, 40), st.integers(1, 40)), k=st.integers(1, 7), s=st.integers(1, 4),
       p=st.integers(0, 3))
def test_matches_nn_conv2d(submission, size, k, s, p):
    """For square kernels, any stride and padding: the same size as nn.Conv2d, or ValueError where PyTorch refuses."""
    _check(submission, size, (k, k), s, p, 1)


@pytest.mark.points(1)
@fast_failure
@given(size=st.tuples(st.integers(1, 40), st.integers(1, 40)), half=st.integers(0, 3))
def test_valid_and_same(submission, size, half):
    """No padding, stride 1 ("valid") gives H - K + 1; odd K with p = (K - 1)/2 ("same") gives H."""
    k = 2 * half + 1
    got = submission.conv2d_output_size(size, kernel_size=k, stride=1, padding=half)
    if tuple(got) != tuple(size):
        raise AssertionError(f"'same' convolution of {size} with kernel {k}, padding {half} gives {got!r}, expected {size}")
    if min(size) >= k:
        got = submission.conv2d_output_size(size, kernel_size=k)
        expected = (size[0] - k + 1, size[1] - k + 1)
        if tuple(got) != expected:
            raise AssertionError(f"'valid' convolution of {size} with kernel {k} (defaults stride=1, padding=0, "
                                 f"dilation=1) gives {got!r}, expected {expected}")


@pytest.mark.points(1)
def test_invalid_arguments_raise(submission):
    """Stride <= 0, negative padding, kernel <= 0, or a kernel larger than the padded input raise ValueError."""
    bad = [
        (dict(input_size=(8, 8), kernel_size=3, stride=0), "stride 0"),
        (dict(input_size=(8, 8), kernel_size=3, stride=-1), "stride -1"),
        (dict(input_size=(8, 8), kernel_size=3, padding=-1), "padding -1"),
        (dict(input_size=(8, 8), kernel_size=0), "kernel size 0"),
        (dict(input_size=(4, 4), kernel_size=5), "kernel 5 on a 4x4 input without padding"),
        (dict(input_size=(4, 8), kernel_size=(3, 9)), "kernel (3, 9) on a 4x8 input"),
        (dict(input_size=(6, 6), kernel_size=3, dilation=3), "kernel 3 with dilation 3 (spans 7) on a 6x6 input"),
    ]
    for kwargs, what in bad:
        expect.raises(ValueError, lambda: submission.conv2d_output_size(**kwargs), f"conv2d_output_size with {what}")


### BEGIN HIDDEN TESTS
@pytest.mark.hidden
@pytest.mark.points(1)
@fast_failure
@given(size=st.tuples(st.integers(1, 30), st.integers(1, 30)),
       k=st.tuples(st.integers(1, 6), st.integers(1, 6)), s=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       p=st.tuples(st.integers(0, 3), st.integers(0, 3)), d=st.tuples(st.integers(1, 3), st.integers(1, 3)))
def test_matches_nn_conv2d_with_pairs_and_dilation(submission, size, k, s, p, d):
    """Per-axis kernel, stride, padding and dilation pairs: the same size as nn.Conv2d."""
    _check(submission, size, k, s, p, d)
### END HIDDEN TESTS
