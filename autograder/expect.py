"""Assertions for assignment tests, with messages written for students.

Each helper raises ``AssertionError`` whose first line says what was expected and what was
got; the optional ``hint`` names the likely mistake.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch


def _fail(message: str, hint: str | None = None) -> None:
    raise AssertionError(message + (f"\nlikely cause: {hint}" if hint else ""))


def tensor(value, name: str, *, shape: tuple | None = None, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Check that ``value`` is a plain ``torch.Tensor`` of the given shape/dtype and return it."""
    if type(value) is not torch.Tensor:
        _fail(f"{name} should be a torch.Tensor, got {type(value).__module__}.{type(value).__qualname__}")
    if shape is not None and tuple(value.shape) != tuple(shape):
        _fail(f"{name} has shape {tuple(value.shape)}, expected {tuple(shape)}")
    if dtype is not None and value.dtype != dtype:
        _fail(f"{name} has dtype {value.dtype}, expected {dtype}")
    return value


def _fmt_index(index) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def close(got, expected, name: str, *, atol: float = 1e-6, rtol: float = 1e-5, hint: str | None = None) -> None:
    """``got`` equals ``expected`` entrywise within ``atol + rtol*|expected|``.

    The message names how many entries differ and shows the first few:
    ``E differs at 96 of 128 entries, e.g. E[1, 3]: expected 0.5403, got 0.9801``.
    """
    got_np = got.detach().cpu().double().numpy() if isinstance(got, torch.Tensor) else np.asarray(got, dtype=float)
    exp_np = expected.detach().cpu().double().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected, dtype=float)
    if got_np.shape != exp_np.shape:
        _fail(f"{name} has shape {got_np.shape}, expected {exp_np.shape}", hint)
    if not np.isfinite(got_np).all():
        bad = np.argwhere(~np.isfinite(got_np))
        _fail(f"{name} contains {len(bad)} non-finite values (NaN or inf), e.g. at {name}{_fmt_index(bad[0])}", hint)
    wrong = ~np.isclose(got_np, exp_np, atol=atol, rtol=rtol)
    if wrong.any():
        where = np.argwhere(wrong)
        examples = "; ".join(
            f"{name}{_fmt_index(i)}: expected {exp_np[tuple(i)]:.6g}, got {got_np[tuple(i)]:.6g}" for i in where[:3]
        )
        _fail(f"{name} differs at {len(where)} of {wrong.size} entries, e.g. {examples}", hint)


def scalar_close(got, expected: float, name: str, *, atol: float, hint: str | None = None) -> None:
    """A single number within ``atol`` of ``expected``."""
    try:
        value = float(got)
    except (TypeError, ValueError):
        _fail(f"{name} should be a number, got {type(got).__name__}")
    if not abs(value - expected) <= atol:
        _fail(f"{name} is {value:.6g}, expected {expected:.6g} (tolerance {atol:g})", hint)


def raises(exc_type: type[BaseException], call, description: str) -> None:
    """``call()`` raises ``exc_type``; ``description`` says which bad input was passed."""
    try:
        call()
    except exc_type:
        return
    except NotImplementedError:
        raise
    except Exception as other:  # noqa: BLE001
        _fail(f"{description} should raise {exc_type.__name__}, but raised {type(other).__name__}: {other}")
    _fail(f"{description} should raise {exc_type.__name__}, but nothing was raised")


class TooManyPythonSteps(BaseException):
    """Raised inside the traced call once it exceeds its budget (BaseException: not caught by ``except Exception``)."""


def python_steps(fn, *args, within: Path, budget: int, description: str, hint: str | None = None, **kwargs):
    """Call ``fn`` and count the Python lines and calls it executes in files under ``within``.

    A loop over n items executes at least n lines, so a budget below n proves the loop is not
    in Python, deterministically and without timing. Returns ``(result, steps)``. The call is
    stopped as soon as the budget is exceeded (so a slow loop fails fast) and the test fails
    with "<description> executed more than <budget> Python lines".
    """
    remote = getattr(fn, "_autograder_python_steps", None)
    if remote is not None:  # a sandboxed function: its lines are counted in the process that runs them
        return remote(args, kwargs, within=within, budget=budget, description=description, hint=hint)
    root = str(Path(within).resolve())
    steps = 0

    def local(frame, event, arg):
        nonlocal steps
        if event == "line":
            steps += 1
            if steps > budget:
                raise TooManyPythonSteps(budget)
        return local

    def global_(frame, event, arg):
        nonlocal steps
        if frame.f_code.co_filename.startswith(root):
            steps += 1
            if steps > budget:
                raise TooManyPythonSteps(budget)
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(global_)
    try:
        result = fn(*args, **kwargs)
    except TooManyPythonSteps:
        _fail(f"{description} executed more than {budget} lines of Python", hint)
    finally:
        sys.settrace(previous)
    return result, steps
