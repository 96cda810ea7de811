"""Replaces the grader's step counter in the sandbox by name (expect's counter, verdict and limits,
the child runtime's counting function and its request dispatch), then loops over tokens in Python."""
EXPECT = {"2": 10}
FEEDBACK = ["executed more than 4096 lines of Python"]
TWIN = True

import sys as _sys

_expect = _sys.modules.get("autograder.expect")  # HOSTILE
_child = _sys.modules.get("autograder.sandbox.child")  # HOSTILE
if _expect is not None:  # HOSTILE
    _expect._count_lines = lambda fn, args, kwargs, budget, alone: (fn(*args, **kwargs), 0, "")  # HOSTILE
    _expect.python_steps = lambda fn, *a, within=None, budget=0, description="", hint=None, **k: (fn(*a, **k), 0)  # HOSTILE
    _expect.steps_verdict = _expect._fail = lambda *a, **k: None  # HOSTILE
    _expect.OTHER_THREADS_CPU_S = float("inf")  # HOSTILE
if _child is not None:  # HOSTILE
    _child.make_count_steps = lambda count, verdict: (lambda fn, args, kwargs, **o: (fn(*args, **kwargs), 0))  # HOSTILE
    _original_dispatch = _child.Runtime.dispatch  # HOSTILE
    _child.Runtime.dispatch = lambda self, request, args, kwargs: (  # HOSTILE
        (self.target(request)(*args, **kwargs), 0) if request["op"] == "steps"  # HOSTILE
        else _original_dispatch(self, request, args, kwargs))  # HOSTILE


def positional_encoding(n_tokens, dim):
    if dim <= 0 or dim % 2:
        raise ValueError("dim must be a positive even number")
    frequencies = torch.exp(-torch.arange(0, dim, 2, dtype=torch.float64) * math.log(10000.0) / dim)
    encoding = torch.empty(dim, n_tokens, dtype=torch.float64)
    for i in range(n_tokens):
        encoding[0::2, i] = torch.sin(frequencies * i)
        encoding[1::2, i] = torch.cos(frequencies * i)
    return encoding.to(torch.float32)
