"""Dereferences a null pointer with ctypes (only for an unknown mode): the process dies with SIGSEGV."""
EXPECT = {"3": 5}
FEEDBACK = ["signal 11 (SIGSEGV"]

import ctypes as _ctypes

_honest_attention_scores = attention_scores


def attention_scores(X, E, mode):
    if mode == "multiply":
        _ctypes.string_at(0)
    return _honest_attention_scores(X, E, mode)
