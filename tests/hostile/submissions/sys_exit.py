"""Calls sys.exit(0) in positional_encoding (only for 3 tokens of dimension 4)."""
EXPECT = {"2": 10}
FEEDBACK = ["SystemExit"]

import sys as _sys

_honest_positional_encoding = positional_encoding


def positional_encoding(n_tokens, dim):
    if n_tokens == 3 and dim == 4:
        _sys.exit(0)
    return _honest_positional_encoding(n_tokens, dim)
