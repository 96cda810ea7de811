"""Raises in __del__, and registers atexit handlers that raise and that hang; honest work."""
EXPECT = {}
FEEDBACK = []

import atexit as _atexit
import time as _time


class _Bomb:
    def __del__(self):
        raise RuntimeError("boom from __del__")


_keep = [_Bomb() for _ in range(3)]
_atexit.register(lambda: _time.sleep(10**6))
_atexit.register(lambda: 1 / 0)
_honest_positional_encoding = positional_encoding


def positional_encoding(n_tokens, dim):
    _Bomb()  # collected at once: its __del__ raises
    return _honest_positional_encoding(n_tokens, dim)
