"""Takes over the sandbox's reply channel (writes on its socket directly) and answers attention_scores
with crafted payloads: a pickle that would run a command, an object-dtype array, lying sizes, absurd nesting."""
EXPECT = {"3": 1}
FEEDBACK = ["could not read"]

import json as _json
import os as _os
import pickle as _pickle
import struct as _struct
import stat as _stat
import time as _time


class _Evil:
    def __reduce__(self):
        return (_os.system, ("touch __MARKER__",))


def _frame(header, blobs=()):
    raw = header if isinstance(header, bytes) else _json.dumps({**header, "blobs": [len(b) for b in blobs]}).encode()
    return _struct.pack("!I", len(raw)) + raw + b"".join(blobs)


_EVIL = _pickle.dumps(_Evil())
_PAYLOADS = [
    lambda: _frame({"ok": True, "value": {"$": "pickle", "b": 0}}, [_EVIL]),
    lambda: _frame({"ok": True, "value": {"$": "ndarray", "b": 0, "dtype": "|O", "shape": [1]}}, [_EVIL]),
    lambda: _frame({"ok": True, "value": {"$": "tensor", "b": 0, "dtype": "float64", "np": "<f8", "shape": [10**6]}},
                   [b"\0" * 8]),
    lambda: _struct.pack("!I", 2**31) + b"{",
    lambda: _frame(b"[" * 100_000),
    lambda: _frame(_EVIL),
    lambda: _frame(b'{"ok": true, "value": 1, "blobs": [1000000000000]}'),
]


def _is_socket(fd):
    try:
        return _stat.S_ISSOCK(_os.fstat(fd).st_mode)
    except OSError:
        return False


def _send_raw(data):
    fd = next(fd for fd in range(3, 1024) if _is_socket(fd))
    view = memoryview(data)
    while view:
        view = view[_os.write(fd, view):]


_honest_attention_scores = attention_scores


def attention_scores(X, E, mode):
    _honest_attention_scores(X, E, mode)
    _send_raw(_PAYLOADS[int(X.abs().sum().item() * 1000) % len(_PAYLOADS)]())
    _time.sleep(30)  # the grader reads the crafted reply first (and stops this process)
