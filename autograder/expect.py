"""Assertions for assignment tests, with messages written for students.

Each helper raises ``AssertionError`` whose first line says what was expected and what was
got; the optional ``hint`` names the likely mistake.
"""
from __future__ import annotations

import sys
import time
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


def describe_argument(path: list) -> str:
    """``["a", 0, 2]`` -> "argument 1 (item 2)", ``["k", "X"]`` -> "X" (paths as ``sandbox.child.walk`` makes them)."""
    head = f"argument {path[1] + 1}" if path[0] == "a" and type(path[1]) is int else str(path[1])
    return head + "".join(f" (item {step!r})" for step in path[2:])


def changed_inputs(name: str, paths: list) -> AssertionError:
    """The failure of a function that changed tensor arguments in place (in process and sandboxed alike)."""
    which = " and ".join(describe_argument(p) for p in paths[:3])
    return AssertionError(f"{name} changed {which} in place; it must leave its inputs unchanged\n"
                          "likely cause: an in-place operation (+=, x[...] = ..., .zero_(), out=) on an argument: "
                          "work on a copy (x = x.clone()) or use operations that return new tensors")


def _thread_serial():
    """A function giving the interpreter's next thread-state id (each Python thread ever started takes
    one; reading it takes one too), or None where ctypes cannot reach the C API."""
    try:
        import ctypes

        api = ctypes.pythonapi
        api.PyInterpreterState_Get.restype = ctypes.c_void_p
        api.PyThreadState_New.restype = ctypes.c_void_p
        api.PyThreadState_New.argtypes = [ctypes.c_void_p]
        api.PyThreadState_GetID.restype = ctypes.c_uint64
        api.PyThreadState_GetID.argtypes = [ctypes.c_void_p]
        api.PyThreadState_Clear.argtypes = [ctypes.c_void_p]
        api.PyThreadState_Delete.argtypes = [ctypes.c_void_p]
        interp = api.PyInterpreterState_Get()
        new, get_id, clear, delete = api.PyThreadState_New, api.PyThreadState_GetID, api.PyThreadState_Clear, api.PyThreadState_Delete
    except (ImportError, AttributeError, OSError):
        return None

    def serial() -> int:
        state = new(interp)
        try:
            return get_id(state)
        finally:
            clear(state)
            delete(state)

    return serial


OTHER_THREADS_CPU_S = 0.005  # CPU the student's other threads may use during a counted call (idle: ~0)
# A thread that was already working before the call may keep its own pace during it. Measured here: a
# thread that wakes every 10 ms to append to a file uses 2.5 % of a core; a loop over tokens moved into a
# waiting thread jumps from ~0 % to ~100 %. The pace is measured over BASELINE_S before the call and
# capped, so a thread spinning beforehand cannot buy room for a loop.
OTHER_THREADS_BASELINE_S = 0.1
OTHER_THREADS_RATE_CAP = 0.10


def _build_line_counter():
    """The process's step counter: ``count(fn, args, kwargs, budget, alone) -> (result, steps, problem)``.

    Built once, at import (in a sandboxed child: before student code runs), and holding everything it
    uses in closures, so that replacing ``sys.settrace``, ``threading``, this module's functions or the
    child runtime's names afterwards changes nothing. What it counts: every Python line, Python call
    and call of a built-in function executed by the call, in *any* file (a file name is the student's
    to choose: ``compile(src, "/usr/lib/python3/x.py", "exec")`` counts like their own module).
    ``problem`` is "" or why the count cannot be trusted:

    * tracing or profiling was switched or replaced during the call (``sys.settrace``,
      ``sys.setprofile``, ``threading.settrace`` in a new thread, the C API: an audit hook that
      cannot be removed sees every one), or a frame's own tracer was removed (``frame.f_trace``);
    * the call started a Python thread (each thread takes an interpreter thread id: counted with
      ctypes before and after), left one running, or, with ``alone``, another Python thread used
      more CPU time while it ran than :data:`OTHER_THREADS_CPU_S` plus twice its own pace before the
      call (measured over :data:`OTHER_THREADS_BASELINE_S`, capped at :data:`OTHER_THREADS_RATE_CAP`),
      or ended (in a sandboxed child every other thread is the student's; an idle one, such as a
      progress bar's monitor waiting, or one that keeps a steady light pace, such as a logger, does
      not count: this part is a threshold, not a count).

    The budget is checked on every event; a call that catches the budget's exception and goes on is
    still over budget.
    """
    import threading

    settrace, setprofile, gettrace, getprofile = sys.settrace, sys.setprofile, sys.gettrace, sys.getprofile
    too_many, cpu_allowed = TooManyPythonSteps, OTHER_THREADS_CPU_S
    baseline_s, rate_cap = OTHER_THREADS_BASELINE_S, OTHER_THREADS_RATE_CAP
    sleep, monotonic = time.sleep, time.monotonic
    current_frames, get_ident = sys._current_frames, threading.get_ident
    thread_clock, clock_gettime = time.pthread_getcpuclockid, time.clock_gettime

    def cpu(ident) -> float:
        try:
            return clock_gettime(thread_clock(ident))
        except (OSError, OverflowError):
            return float("inf")
    serial = _thread_serial()
    st = {"active": False, "own": False, "tamper": "", "steps": 0, "budget": 0, "over": False}

    def audit(event, args):
        if st["active"] and not st["own"] and event in ("sys.settrace", "sys.setprofile"):
            st["tamper"] = "it switched the grader's line counter off or replaced it (sys.settrace/sys.setprofile)"

    sys.addaudithook(audit)

    def bump():
        st["steps"] += 1
        if st["steps"] > st["budget"]:
            # Not active any more: the interpreter unsets a tracer that raised (an audited settrace).
            st["over"], st["active"] = True, False
            raise too_many(st["budget"])

    def local(frame, event, arg):
        if event == "line":
            bump()
        return local

    def global_(frame, event, arg):
        bump()
        return local

    def profile(frame, event, arg):
        if event == "c_call" and frame.f_code is not own[0]:
            if frame.f_trace is not local or not frame.f_trace_lines:
                st["tamper"] = "it removed the grader's line counter from its frames (frame.f_trace)"
            bump()

    def count(fn, args, kwargs, budget: int, alone: bool):
        st.update(tamper="", steps=0, budget=int(budget), over=False)
        problem = ""
        me = get_ident()
        others = {k: cpu(k) for k in current_frames() if k != me}
        rate = 0.0
        if alone and others:
            began = monotonic()
            sleep(baseline_s)
            before, others = others, {k: cpu(k) for k in current_frames() if k != me}
            rate = sum(others.get(k, t) - t for k, t in before.items()) / max(monotonic() - began, 1e-6)
            rate = min(max(rate, 0.0), rate_cap)
        threads = len(others) + 1
        started_at = monotonic()
        first = serial() if serial is not None else None
        previous = gettrace(), getprofile()
        st["own"] = True
        setprofile(profile)
        settrace(global_)
        st["own"], st["active"] = False, True
        try:
            result = fn(*args, **kwargs)
        except too_many:
            result = None
        finally:
            st["active"], st["own"] = False, True
            settrace(previous[0])
            setprofile(previous[1])
            st["own"] = False
        allowed = cpu_allowed + 2 * rate * (monotonic() - started_at)
        started = serial() - first - 1 if serial is not None else 0
        if st["tamper"]:
            problem = st["tamper"]
        elif started > 0:
            problem = f"it started {started} Python thread{'s' if started > 1 else ''}"
        elif len(current_frames()) > threads:
            problem = "it left a Python thread running"
        elif alone and others and (set(others) - set(current_frames())
                                   or sum(cpu(k) - t for k, t in others.items()) > allowed):
            problem = "another Python thread of your code worked while it ran"
        return (None if st["over"] else result), st["steps"], problem

    own = [count.__code__]  # the counter's own calls (settrace, fn) are not the student's
    return count


_count_lines = _build_line_counter()


def steps_verdict(description: str, budget: int, steps: int, over: bool, problem: str, hint: str | None) -> None:
    """Fail the way :func:`python_steps` fails (shared with the sandboxed child's count, which binds it
    at import: it looks up no module globals, so patching this module later does not change it)."""
    if problem:
        raise AssertionError(f"{description} could not be checked for Python loops: {problem}; the grader counts "
                             "the lines your code runs, so leave tracing and threads alone in this function\n"
                             "likely cause: compute in the calling thread, with vectorized tensor operations")
    if over:
        raise AssertionError(f"{description} executed more than {budget} lines of Python"
                             + (f"\nlikely cause: {hint}" if hint else ""))


def implemented(call) -> None:
    """Re-raise if ``call()`` reaches a stub (``NotImplementedError``); anything else it raises is
    left to the tests. For the fixtures of property-based tests, so that a stub fails once
    ("not implemented yet") instead of once per example that hypothesis tries."""
    try:
        call()
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - the test itself reports other problems, with an input
        pass


def steps_counter(*, alone: bool):
    """The Python-step count with its verdict, as one function: ``count_steps(fn, args, kwargs, *,
    budget, description, hint) -> (result, steps)``, failing as :func:`python_steps` describes.
    The sandboxed child binds its own when its runtime starts (``alone=True``: every other Python
    thread there is the student's), before student code is imported, and keeps it only on the
    runtime object, so that replacing this module's names later changes nothing: it looks up no
    module globals."""
    count, verdict = _count_lines, steps_verdict

    def count_steps(fn, args, kwargs, *, budget: int, description: str, hint):
        result, steps, problem = count(fn, args, kwargs, budget, alone)
        verdict(description, budget, steps, steps > budget, problem, hint)
        return result, steps

    return count_steps


def python_steps(fn, *args, within: Path | None = None, budget: int, description: str, hint: str | None = None,
                 **kwargs):
    """Call ``fn`` and count the Python steps it takes: lines, Python calls and built-in calls.

    A loop over n items executes at least n lines, so a budget below n proves the loop is not in
    Python, deterministically and without timing. Returns ``(result, steps)``. The call is stopped
    as soon as the budget is exceeded (so a slow loop fails fast) and the test fails with
    "<description> executed more than <budget> lines of Python".

    What this guarantees: every Python line the call runs in the calling thread counts, whatever
    file it claims to come from (``within`` is accepted for compatibility and no longer narrows the
    count: library code the call runs counts too, which a vectorized solution keeps to a few dozen
    lines). Switching the counter off (``sys.settrace(None)``, ``sys.setprofile``, the C API,
    removing ``frame.f_trace``), replacing this module's or the sandbox runtime's functions after
    import, or moving the loop into another thread fails the check with a message saying so.

    What it does not guarantee: the count runs in the process that runs the student's code. Code
    that rewrites the grader's own state in that process on purpose (its closures found through
    ``gc``, interpreter memory through ``ctypes``, forged replies written to the sandbox's socket)
    can defeat it, as it can any check made there; the sandbox still keeps such code from harming
    anything, and the code names the grader's internals, so it shows in the submission's source.
    In process (``check``), threads that were running before the call are not held against it.
    """
    remote = getattr(fn, "_autograder_python_steps", None)
    if remote is not None:  # a sandboxed function: its lines are counted in the process that runs them
        return remote(args, kwargs, within=within, budget=budget, description=description, hint=hint)
    result, steps, problem = _count_lines(fn, args, kwargs, budget, False)
    steps_verdict(description, budget, steps, steps > budget, problem, hint)
    return result, steps


# --- diagnoses that are verified before they are printed ---------------------------------------------

def reproduces(got, suspect, *, atol: float = 1e-6, rtol: float = 1e-5) -> bool:
    """``got`` equals ``suspect`` (a value, or a zero-argument callable giving it) entrywise within
    ``atol + rtol*|suspect|``; False when the two cannot be compared or the suspect cannot be computed."""
    try:
        value = suspect() if callable(suspect) else suspect
        a = (got.detach().cpu().double().numpy() if isinstance(got, torch.Tensor) else np.asarray(got, dtype=float))
        b = (value.detach().cpu().double().numpy() if isinstance(value, torch.Tensor) else np.asarray(value, dtype=float))
        return a.shape == b.shape and bool(np.allclose(a, b, atol=atol, rtol=rtol))
    except Exception:  # noqa: BLE001 - a suspect that does not apply is simply not the cause
        return False


def verified_cause(got, suspects, *, atol: float = 1e-6, rtol: float = 1e-5) -> str | None:
    """The cause of the first ``(cause, suspect)`` pair whose suspect ``got`` reproduces, else None.

    Each suspect recomputes the expected value with one suspected mistake, so a cause returned here
    has been checked against the student's value (it is printed as "likely cause:")."""
    for cause, suspect in suspects:
        if reproduces(got, suspect, atol=atol, rtol=rtol):
            return cause
    return None


def raises_checked(exc_type: type[BaseException], call, description: str, cause: str) -> None:
    """``call()`` raises ``exc_type``. When it returns instead, or raises another exception (the bad
    value reached the computation), the argument was not checked up front: that is printed as the
    likely ``cause``, with what the call returned or raised."""
    try:
        value = call()
    except exc_type:
        return
    except NotImplementedError:
        raise
    except Exception as other:  # noqa: BLE001
        _fail(f"{description} should raise {exc_type.__name__}, but raised {type(other).__name__}: {other}", cause)
    _fail(f"{description} should raise {exc_type.__name__}, but returned {value!r}", cause)
def close_or_diagnose(got, expected, name: str, *, atol: float = 1e-6, rtol: float = 1e-5,
                      suspects=(), neutral: str | None = None) -> None:
    """:func:`close`, whose failure names the mistake only when it is verified.

    ``suspects`` are ``(cause, value)`` pairs: ``value`` is the expected result recomputed with one
    suspected mistake (or a function computing it, called only on failure). The first suspect that
    ``got`` matches within the same tolerance becomes the ``likely cause:`` line. When none matches,
    ``neutral`` (if given) is added as a plain line, without the ``likely cause:`` prefix.
    """
    try:
        close(got, expected, name, atol=atol, rtol=rtol)
    except AssertionError as failure:
        cause = verified_cause(got, suspects, atol=atol, rtol=rtol)
        if cause:
            _fail(str(failure), cause)
        raise AssertionError(str(failure) + (f"\n{neutral}" if neutral else "")) from None


def close_diagnosed(got, expected, name: str, *, suspects=(), advice: str | None = None, atol: float = 1e-6,
                    rtol: float = 1e-5) -> None:
    """:func:`close_or_diagnose` with ``advice`` as a ``hint:`` line when no suspect is verified."""
    close_or_diagnose(got, expected, name, atol=atol, rtol=rtol, suspects=suspects,
                      neutral=f"hint: {advice}" if advice else None)


def _raised_at(exc: BaseException, fn) -> str:
    """Where the student's code raised ``exc``: ``explain.student_location`` in the folder of ``fn``'s
    source ("" if none); across the sandbox, the child's own account (``remote_where``)."""
    where = getattr(exc, "remote_where", "")
    if where:
        return where
    import inspect

    from .explain import student_location

    try:
        fn = inspect.unwrap(fn)  # the student's function behind the grader's wrapper (functools.wraps)
    except ValueError:
        pass
    source = getattr(getattr(fn, "__code__", None), "co_filename", "")
    return student_location(exc.__traceback__, Path(source).parent) if source else ""


def call(fn, *args, description: str, **kwargs):
    """``fn(*args, **kwargs)``; an exception from the student's code fails the test in student terms.

    The failure names the call as ``description`` says it (which function, which arguments and
    shapes: "attention_scores(X, E, 'add') with X and E of shape (4, 3)"), the exception and where
    the student's code raised it: "<description> raised RuntimeError: <message> (file.py, line N)".
    The original exception is the failure's ``__cause__``. ``NotImplementedError`` (a stub), the
    grader's own assertions and the sandbox's limits (not ``Exception``) pass unchanged.
    """
    try:
        return fn(*args, **kwargs)
    except (AssertionError, NotImplementedError):
        raise
    except Exception as exc:  # noqa: BLE001 - any mistake of the student's code
        if isinstance(exc.__cause__, NotImplementedError):
            raise
        text = " ".join(str(exc).split())
        where = _raised_at(exc, fn)
        raise AssertionError(f"{description} raised {type(exc).__name__}" + (f": {text[:250]}" if text else "")
                             + (f" ({where})" if where else "")) from exc


def close_with_suspects(got, expected, name: str, *, suspects=(), atol: float = 1e-6, rtol: float = 1e-5,
                        check: str | None = None) -> None:
    """:func:`close_or_diagnose` with ``check`` as a ``things to check:`` line when no suspect is verified."""
    close_or_diagnose(got, expected, name, atol=atol, rtol=rtol, suspects=suspects,
                      neutral=f"things to check: {check}" if check else None)


def student_error(call: str, error: BaseException, context: str = "") -> AssertionError:
    """The failure for an exception that student code raised in ``call``: the call, the error in one line,
    ``context`` (e.g. the shapes the call got) and, for a few errors whose text identifies the mistake,
    ``likely cause: ...``. Raise it ``from None``."""
    import re

    text = " ".join(str(error).split())
    cause = ""
    product = re.search(r"shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)", text)
    if product and product.group(2) != product.group(3):
        cause = (f"a Linear layer gets {product.group(2)} features per example but expects {product.group(3)}: "
                 "check the sizes the earlier layers produce (padding, pooling, flattening from dim 1)")
    elif "optimizer got an empty parameter list" in text:
        cause = ("the model has no parameters: its layers are not registered in the model (a plain Python list "
                 "or dict, or built inside forward); use nn.Sequential, nn.ModuleList or attributes")
    elif re.search(r"expected (scalar type|m1 and m2 to have the same dtype)|Input type \(\w+\) and (weight|bias) type",
                   text):
        cause = "the input and the layer's weights have different dtypes: the data should be float32, like the weights"
    return AssertionError(f"{call} raised {type(error).__name__}: {text[:200]}" + (f" ({context})" if context else "")
                          + (f"\nlikely cause: {cause}" if cause else ""))
