"""Task 1: the output size of a 2-D convolution, checked against PyTorch's own Conv2d."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from autograder import expect

pytestmark = pytest.mark.task("1", "conv2d_output_size")


def torch_output_size(size, kernel, padding, stride, dilation) -> tuple[int, int]:
    """What nn.Conv2d really produces: run a convolution on zeros and read the shape."""
    out = F.conv2d(torch.zeros(1, 1, *size), torch.zeros(1, 1, *kernel), stride=stride, padding=padding,
                   dilation=dilation)
    return tuple(out.shape[2:])


@pytest.fixture(scope="module")
def ready(submission, helpers):
    helpers.implemented(lambda: submission.conv2d_output_size((5, 5), 3))


@st.composite
def valid_axis(draw, max_dilation=1):
    """(size, kernel, padding, stride, dilation) of one axis whose dilated kernel fits the padded input."""
    kernel = draw(st.integers(1, 7))
    dilation = draw(st.integers(1, max_dilation))
    padding = draw(st.integers(0, 3))
    stride = draw(st.integers(1, 4))
    span = dilation * (kernel - 1) + 1
    size = max(1, span - 2 * padding + draw(st.integers(0, 30)))
    return size, kernel, padding, stride, dilation


def per_axis(size, kernel, padding, stride, dilation, out):
    """``out(n, k, p, s, d)`` applied to each axis of int-or-pair arguments."""
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    return tuple(out(*axis) for axis in zip(*(pair(v) for v in (size, kernel, padding, stride, dilation))))


# Suspected mistakes, each as the formula it computes; the first that reproduces a wrong answer is named.
SUSPECTS = (
    ("the padding is added on one edge only: it is added on each edge, so size + 2 * padding",
     lambda n, k, p, s, d: (n + p - d * (k - 1) - 1) // s + 1),
    ("the dilation is ignored: a dilated kernel covers dilation * (kernel - 1) + 1 pixels",
     lambda n, k, p, s, d: (n + 2 * p - k) // s + 1),
    ("the division by the stride is rounded, not floored: use floor division (//)",
     lambda n, k, p, s, d: round((n + 2 * p - d * (k - 1) - 1) / s) + 1),
    ("the division by the stride is rounded up, not down: use floor division (//)",
     lambda n, k, p, s, d: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1),
    ("the stride is ignored: divide by it (floor division) before adding 1",
     lambda n, k, p, s, d: n + 2 * p - d * (k - 1)),
)


def check_output(submission, size, kernel, padding, stride, dilation):
    call = f"conv2d_output_size({size}, {kernel}, padding={padding}, stride={stride}, dilation={dilation})"
    got = submission.conv2d_output_size(size, kernel, padding=padding, stride=stride, dilation=dilation)
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    expected = torch_output_size(pair(size), pair(kernel), pair(padding), pair(stride), pair(dilation))
    if not (isinstance(got, tuple) and len(got) == 2 and all(type(v) is int for v in got)):
        cause = None
        if isinstance(got, (tuple, list)) and any(isinstance(v, float) and v != int(v) for v in got):
            cause = "true division (/) gives a float: use floor division (//) by the stride"
        elif isinstance(got, list):
            cause = "a list is returned: return a tuple (h_out, w_out)"
        expect._fail(f"{call} should return a tuple of two Python ints, got {got!r}", cause)
    if got != expected:
        cause = next((c for c, out in SUSPECTS if per_axis(size, kernel, padding, stride, dilation, out) == got), None)
        if cause is None and got == expected[::-1]:
            cause = "height and width are swapped: return (h_out, w_out), the height first"
        expect._fail(f"{call} returned {got}, but nn.Conv2d produces {expected}" + ("" if cause else
                     "\nhint: out = floor((size + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1 per axis"), cause)


@pytest.mark.points(1)
def test_valid_and_same_special_cases(submission):
    """'valid' (p=0, s=1) gives H-K+1; 'same' (odd K, p=(K-1)/2) keeps H."""
    check_output(submission, (69, 69), 5, 0, 1, 1)       # valid: 65
    check_output(submission, (28, 20), (5, 3), 0, 1, 1)  # valid, per axis: 24, 18
    check_output(submission, (32, 32), 3, 1, 1, 1)       # same: 32
    check_output(submission, (17, 9), 7, 3, 1, 1)        # same: 17, 9


@pytest.mark.points(2)
@given(h=valid_axis(), w=valid_axis())
def test_matches_nn_conv2d(submission, ready, h, w):
    """Random sizes, kernels, paddings and strides give the shape nn.Conv2d produces."""
    size, kernel, padding, stride, dilation = zip(h, w)
    check_output(submission, size, kernel, padding, stride, dilation)


@pytest.mark.points(1)
def test_invalid_arguments_raise(submission):
    """A kernel larger than the padded input, a non-positive stride or a negative padding raise ValueError."""
    f = submission.conv2d_output_size
    fit = "the kernel is not checked against the padded input: raise ValueError when dilation*(kernel-1)+1 > size + 2*padding"
    positive = "the arguments are not checked before the formula: raise ValueError when a size, kernel, stride or dilation is not positive"
    expect.raises_checked(ValueError, lambda: f((4, 4), 7), "conv2d_output_size((4, 4), 7) (kernel larger than the input)", fit)
    expect.raises_checked(ValueError, lambda: f((4, 10), (5, 5)), "conv2d_output_size((4, 10), (5, 5)) (kernel taller than the input)", fit)
    expect.raises_checked(ValueError, lambda: f((8, 8), 3, stride=0), "conv2d_output_size((8, 8), 3, stride=0)", positive)
    expect.raises_checked(ValueError, lambda: f((8, 8), 3, stride=-2), "conv2d_output_size((8, 8), 3, stride=-2)", positive)
    expect.raises_checked(ValueError, lambda: f((8, 8), 0), "conv2d_output_size((8, 8), 0) (kernel size 0)", positive)
    expect.raises_checked(ValueError, lambda: f((0, 8), 1, padding=1), "conv2d_output_size((0, 8), 1, padding=1) (height 0)", positive)
    expect.raises_checked(ValueError, lambda: f((8, 8), 3, padding=-1), "conv2d_output_size((8, 8), 3, padding=-1)",
                          "a negative padding is not rejected: raise ValueError when a padding is below 0")


### BEGIN HIDDEN TESTS
@pytest.mark.hidden
@pytest.mark.points(2)
@given(h=valid_axis(max_dilation=4), w=valid_axis(max_dilation=4))
def test_matches_nn_conv2d_with_dilation(submission, ready, h, w):
    """With dilation d the kernel covers d(K-1)+1 pixels: shapes still match nn.Conv2d."""
    size, kernel, padding, stride, dilation = zip(h, w)
    check_output(submission, size, kernel, padding, stride, dilation)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_dilated_kernel_must_fit(submission):
    """A dilated kernel wider than the padded input raises ValueError; one that just fits gives 1."""
    f = submission.conv2d_output_size
    expect.raises_checked(ValueError, lambda: f((9, 9), 3, dilation=5), "conv2d_output_size((9, 9), 3, dilation=5) (covers 11 pixels)",
                          "the dilated kernel is not checked against the padded input: it covers dilation*(kernel-1)+1 pixels")
    expect.raises_checked(ValueError, lambda: f((9, 9), 3, dilation=0), "conv2d_output_size((9, 9), 3, dilation=0)",
                          "a dilation of 0 is not rejected: raise ValueError when a dilation is not positive")
    check_output(submission, (9, 9), 3, 1, 1, 5)
### END HIDDEN TESTS
