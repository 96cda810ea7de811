"""Floods stdout and stderr at import and on every call; the work itself is honest."""
EXPECT = {}
FEEDBACK = []

import os as _os
import sys as _sys

for _ in range(50):
    _sys.stdout.write("spam " * 200_000)
    _sys.stderr.write("SPAM " * 200_000)
_os.write(1, b"raw spam\n" * 100_000)

_honest_positional_encoding = positional_encoding


def positional_encoding(n_tokens, dim):
    print("positional_encoding called " * 1000)
    print("and on stderr " * 1000, file=_sys.stderr)
    return _honest_positional_encoding(n_tokens, dim)
