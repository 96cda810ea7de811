"""Calls os._exit(0) in attention_scores (only for an unknown mode): the process just ends."""
EXPECT = {"3": 5}
FEEDBACK = ["exit code 0"]

import os as _os

_honest_attention_scores = attention_scores


def attention_scores(X, E, mode):
    if mode == "multiply":
        _os._exit(0)
    return _honest_attention_scores(X, E, mode)
