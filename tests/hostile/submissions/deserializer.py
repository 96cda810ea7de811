"""Takes over the sandbox's reply channel and answers attention_scores with crafted payloads:
a pickle that would run a command, an object-dtype array, lying sizes, absurd nesting."""
EXPECT = {"3": 1}
FEEDBACK = ["could not read"]

import json as _json
import os as _os
import pickle as _pickle
import struct as _struct
import sys as _sys

_wire = _sys.modules["autograder.sandbox.wire"]
_real_send = _wire.child_send
_armed = []


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


def _evil_send(sock, header, blobs):
    if not _armed:
        return _real_send(sock, header, blobs)
    k = _armed.pop()
    sock.sendall(_PAYLOADS[k % len(_PAYLOADS)]())


_wire.child_send = _evil_send
_honest_attention_scores = attention_scores


def attention_scores(X, E, mode):
    out = _honest_attention_scores(X, E, mode)
    _armed.append(int(X.abs().sum().item() * 1000))
    return out
