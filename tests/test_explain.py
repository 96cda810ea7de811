"""Failure messages for students: short, plain, and about the right thing."""
import sys

from hypothesis import given
from hypothesis import strategies as st

from autograder.explain import NOT_IMPLEMENTED, SubmissionImportError, counterexample, explain


def _raise(exc):
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001
        return caught, sys.exc_info()[2]


def test_stub_is_not_implemented_with_hint():
    exc, tb = _raise(NotImplementedError("use broadcasting"))
    assert explain(exc, tb) == f"{NOT_IMPLEMENTED}: use broadcasting"


def test_not_implemented_found_through_chained_exception():
    try:
        try:
            raise NotImplementedError("")
        except NotImplementedError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert explain(outer).startswith(NOT_IMPLEMENTED)


def test_assertion_keeps_test_message_only():
    exc, tb = _raise(AssertionError("E differs at 3 of 4 entries\nassert False\n  where False = f()"))
    assert explain(exc, tb) == "E differs at 3 of 4 entries"


def test_other_exception_names_type_and_message():
    exc, tb = _raise(IndexError("index 5 is out of bounds"))
    assert explain(exc, tb) == "your code raised IndexError: index 5 is out of bounds"


def test_import_problem_passes_through():
    exc, tb = _raise(SubmissionImportError("m.py does not compile: invalid syntax (line 3)"))
    assert explain(exc, tb) == "m.py does not compile: invalid syntax (line 3)"


def test_long_messages_are_cut():
    exc, tb = _raise(AssertionError("x" * 5000))
    assert len(explain(exc, tb)) <= 400


def test_hypothesis_counterexample_is_the_shrunk_input():
    @given(n=st.integers(0, 1000), dim=st.integers(0, 1000))
    def prop(n, dim):
        assert n < 7, "too many tokens"

    try:
        prop()
    except AssertionError as exc:
        assert counterexample(exc) == "n=7, dim=0"
        assert explain(exc).endswith("smallest failing input: n=7, dim=0")
    else:
        raise AssertionError("the property should fail")


def test_a_long_difference_never_cuts_the_likely_cause():
    evidence = "E differs at 4096 of 4096 entries, e.g. " + ", ".join(f"E[0, {i}]: expected 0.5, got 0.9" for i in range(40))
    exc, tb = _raise(AssertionError(evidence + "\nlikely cause: sin and cos swapped"))
    message = explain(exc, tb)
    assert message.endswith("likely cause: sin and cos swapped"), message
    assert message.startswith("E differs at 4096 of 4096 entries") and len(message) <= 400


def test_the_likely_cause_survives_a_long_counterexample_and_comes_before_it():
    @given(n=st.integers(min_value=10**300))  # shrinks to 10**300: a 301-digit input
    def prop(n):
        assert n < 0, "n too large\nlikely cause: an off-by-one in the window"

    try:
        prop()
    except AssertionError as exc:
        message = explain(exc)
    lines = message.splitlines()
    assert lines[1] == "likely cause: an off-by-one in the window", message
    assert lines[2].startswith("smallest failing input: n=1_000") and len(message) <= 400


def test_a_third_message_line_that_is_the_cause_is_kept():
    exc, tb = _raise(AssertionError("loss differs\nexpected 0.3, got 0.5\nlikely cause: mean over batches, not samples"))
    assert explain(exc, tb) == "loss differs\nexpected 0.3, got 0.5\nlikely cause: mean over batches, not samples"


def test_an_exception_in_student_code_names_the_function_line_and_shapes(tmp_path):
    import importlib.util

    import torch

    (tmp_path / "model.py").write_text("def encode(x, k):\n    return x.reshape(k, 100)\n")
    spec = importlib.util.spec_from_file_location("student_model", tmp_path / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        module.encode(torch.zeros(8, 3, 4, 4), 8)
    except RuntimeError as exc:
        message = explain(exc, exc.__traceback__, tmp_path)
    assert message.startswith("your code raised RuntimeError: shape '[8, 100]' is invalid for input of size 384")
    assert message.endswith("(model.py, line 2, in encode, with x of shape (8, 3, 4, 4), k = 8)"), message
