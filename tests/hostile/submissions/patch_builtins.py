"""Monkeypatches builtins (abs, all, any, sum, round, AssertionError) at import; a constant answer."""
EXPECT = {"4": 0}
FEEDBACK = ["mean_abs_cosine("]
TWIN = True

import builtins as _builtins

_builtins.abs = lambda x: 0  # HOSTILE
_builtins.all = lambda it: True  # HOSTILE
_builtins.any = lambda it: False  # HOSTILE
_builtins.sum = lambda *a, **k: 0  # HOSTILE
_builtins.round = lambda *a, **k: 0  # HOSTILE
_builtins.AssertionError = type("AssertionError", (Exception,), {})  # HOSTILE


def mean_abs_cosine(dim, n_pairs, generator=None):
    return 0.5
