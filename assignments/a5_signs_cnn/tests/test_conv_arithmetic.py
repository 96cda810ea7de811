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


def _pairs(*values):
    return [tuple(v) if isinstance(v, (tuple, list)) else (v, v) for v in values]


def _axis(size, k, s, p, d, mistake=""):
    span = (k - 1) + 1 if mistake == "dilation" else d * (k - 1) + 1
    padded = size + (p if mistake == "padding" else 2 * p)
    if mistake == "plus_one":
        return (padded - span) // s
    if mistake == "ceil":
        return -((span - padded) // s) + 1
    return (padded - span) // s + 1


MISTAKES = {
    "padding": "the padding is counted once; zeros are added on each edge: H + 2p",
    "dilation": "the dilation is ignored; a dilated kernel spans d (K - 1) + 1 pixels",
    "plus_one": "the + 1 is missing (the first position of the kernel counts too)",
    "ceil": "the division rounds up; the formula rounds down (floor, integer division //)",
    "swapped": "the (h, w) pairs are used for the wrong axes: the first entry is the height",
    "first": "only the first entry of an (h, w) pair is used; each axis has its own entry",
}


def _diagnosis(got, size, kernel, stride, padding, dilation) -> str:
    """``likely cause: ...`` when ``got`` is what one classic mistake gives, else the formula as a plain hint."""
    args = list(zip(*_pairs(size, kernel, stride, padding, dilation)))  # per axis: (size, k, s, p, d)
    candidates = {m: tuple(_axis(*a, mistake=m) for a in args) for m in ("padding", "dilation", "plus_one", "ceil")}
    (h, hk, hs, hp, hd), (w, wk, ws, wp, wd) = args
    candidates["swapped"] = (_axis(h, wk, ws, wp, wd), _axis(w, hk, hs, hp, hd))
    candidates["first"] = (_axis(h, hk, hs, hp, hd), _axis(w, hk, hs, hp, hd))
    right = tuple(_axis(*a) for a in args)
    for mistake, value in candidates.items():
        if value != right and tuple(got) == value:
            return f"likely cause: {MISTAKES[mistake]}"
    return FORMULA


def _check(submission, size, kernel, stride, padding, dilation):
    expected = _torch_output_size(size, kernel, stride, padding, dilation)
    call = (f"conv2d_output_size({size}, kernel_size={kernel}, stride={stride}, padding={padding}, "
            f"dilation={dilation})")
    if expected is None:
        _must_raise(lambda: submission.conv2d_output_size(size, kernel_size=kernel, stride=stride, padding=padding,
                                                          dilation=dilation),
                    f"{call} (the kernel does not fit into the padded input)", _unchecked("kernel on a"))
        return
    got = submission.conv2d_output_size(size, kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)
    _check_type(got, call)
    if got != expected:
        raise AssertionError(f"{call} is {got}, nn.Conv2d gives {expected}\n"
                             + _diagnosis(got, size, kernel, stride, padding, dilation))


def _check_type(got, call: str) -> None:
    if isinstance(got, tuple) and len(got) == 2 and all(type(v) is int for v in got):
        return
    if isinstance(got, (list, tuple)) and len(got) == 2:
        kinds = sorted({type(v).__module__ + "." + type(v).__name__ for v in got} - {"builtins.int"})
        cause = ("it returns a list: return a tuple (h, w)" if isinstance(got, list) and not kinds
                 else f"the sizes are {', '.join(kinds)}: convert each with int(...)")
        raise AssertionError(f"{call} should return a tuple of two Python ints, got {got!r}\nlikely cause: {cause}")
    raise AssertionError(f"{call} should return a tuple of two Python ints, got {got!r}")


@pytest.mark.points(1)
def test_examples(submission):
    """Examples: 3x3 "same" keeps 64x64, 5x5 "valid" shrinks 69 to 65, stride 2 halves (rounding down)."""
    cases = [((64, 64), 3, 1, 1, 1, (64, 64)), ((69, 69), 5, 1, 0, 1, (65, 65)), ((64, 64), 2, 2, 0, 1, (32, 32)),
             ((7, 9), 3, 2, 0, 1, (3, 4)), ((10, 10), 3, 1, 0, 2, (6, 6)), ((5, 8), (3, 1), 1, 0, 1, (3, 8))]
    for size, k, s, p, d, expected in cases:
        call = f"conv2d_output_size({size}, kernel_size={k}, stride={s}, padding={p}, dilation={d})"
        got = submission.conv2d_output_size(size, kernel_size=k, stride=s, padding=p, dilation=d)
        _check_type(got, call)
        if got != expected:
            raise AssertionError(f"{call} is {got!r}, expected {expected}\n" + _diagnosis(got, size, k, s, p, d))


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
        _must_raise(lambda: submission.conv2d_output_size(**kwargs), f"conv2d_output_size with {what}", _unchecked(what))


def _must_raise(call, what: str, cause: str) -> None:
    """``call()`` raises ValueError; otherwise the failure names ``cause`` (what was not checked)."""
    try:
        got = call()
    except ValueError:
        return
    except NotImplementedError:
        raise
    except Exception as other:  # noqa: BLE001
        raise AssertionError(f"{what} should raise ValueError, but raised {type(other).__name__}: {other}\n"
                             "likely cause: the arguments are not checked before they are used: raise ValueError "
                             "first") from None
    raise AssertionError(f"{what} should raise ValueError, but returned {got!r}\nlikely cause: {cause}")


def _unchecked(what: str) -> str:
    if what.startswith("kernel") and "on a" in what:
        return ("a kernel that does not fit is not checked: raise ValueError when d (K - 1) + 1 > H + 2p "
                "(the formula then gives a size <= 0 or a wrong one)")
    return f"{what.split(' on ')[0]} is not checked: raise ValueError for sizes, kernels, strides, dilations <= 0 " \
           "and negative paddings"


