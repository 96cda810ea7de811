"""Sleeps forever in mean_abs_cosine (only for 100 pairs)."""
EXPECT = {"4": 3}
FEEDBACK = ["took too long"]

import time as _time

_honest_mean_abs_cosine = mean_abs_cosine


def mean_abs_cosine(dim, n_pairs, generator=None):
    if n_pairs == 100:
        _time.sleep(10**6)
    return _honest_mean_abs_cosine(dim, n_pairs, generator)
