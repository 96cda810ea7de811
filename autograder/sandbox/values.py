"""Values crossing from a sandboxed child to the grader: plain data, or a handle.

The child encodes each value into a JSON node; arrays go into blobs as raw bytes (dtype and shape in the node).
Plain data is copied; anything else stays in the child and is sent as a handle (an id the
grader can call methods on). The encodings, tagged by ``"$"``:

    null, true/false, int, float, str, JSON list     as themselves (a JSON list is a Python list)
    {"$": "float", "v": "nan" | "inf" | "-inf"}
    {"$": "int", "v": "<digits>"}                     ints beyond 64 bits
    {"$": "complex", "v": [re, im]}
    {"$": "tuple" | "set" | "frozenset", "v": [...]}
    {"$": "dict", "k": [...], "v": [...]}
    {"$": "size", "v": [ints]}                        torch.Size
    {"$": "dtype", "v": "float32"}  {"$": "device", "v": "cpu"}
    {"$": "tensor", "b": i, "dtype": "float32", "shape": [..], "rg": bool, "param": bool}
    {"$": "ndarray" | "npscalar", "b": i, "dtype": "<f8", "shape": [..]}
    {"$": "bytes", "b": i}

Arrays travel as in safetensors: dtype and shape in the JSON header, blob ``i`` holding the
raw little-endian C-order bytes. The grader accepts only the dtypes listed below and checks
that the blob's length is exactly what dtype and shape imply; nothing is ever unpickled.
    {"$": "handle", "id": n, "type": "module.Qualname", "repr": "...", "callable": bool, "bases": [...]}

Only exact types are data: a subclass of ``torch.Tensor`` (other than ``nn.Parameter``), of
``float`` or of ``list`` is a handle, so its overridden ``__eq__``/``__torch_function__`` never
runs in the grader. :func:`decode` (grader side) trusts nothing: unknown tags, object or
structured dtypes, pickled arrays, over-deep nesting are a :class:`~.wire.ProtocolError`.
"""
from __future__ import annotations

import builtins as _builtins

globals()["__builtins__"] = dict(_builtins.__dict__)

import math
import re

import numpy as np
import torch

from .wire import ProtocolError


TORCH_DTYPES = {
    name: getattr(torch, name)
    for name in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
                 "float64", "complex64", "complex128")
}
NUMPY_KINDS = "biufc"
NUMPY_DTYPES = {np.dtype(t).str: np.dtype(t) for t in (
    "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "float16", "float32", "float64", "complex64", "complex128")}
MAX_DIMS = 32
MAX_DEPTH = 48
MAX_NODES = 2_000_000
MAX_BYTES_VALUE = 64 * 1024 * 1024  # a bytes value is copied once more: bounded apart from tensors
REPR_CHARS = 300
# Remote objects claim these bases, so ``isinstance(model, nn.Module)`` holds in the grader too.
SHADOW_BASES = ("torch.nn.modules.module.Module", "torch.optim.optimizer.Optimizer",
                "torch.utils.data.dataset.Dataset", "torch.utils.data.dataloader.DataLoader")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.<>]{0,150}$")
_DEVICE = re.compile(r"^(cpu|cuda|mps|meta)(:\d{1,3})?$")


def type_name(tp: type) -> str:
    return f"{getattr(tp, '__module__', '?')}.{getattr(tp, '__qualname__', '?')}"


# --- child side ----------------------------------------------------------------------------------
class Encoder:
    """Encodes one reply. ``handle(obj) -> int`` registers an object that stays in the child."""

    def __init__(self, handle):
        self.handle = handle
        self.blobs: list[bytes] = []

    def blob(self, data: bytes) -> int:
        """Send ``data`` as a blob after the header; returns its index (a node's ``"b"``)."""
        self.blobs.append(data)
        return len(self.blobs) - 1

    def array(self, array: np.ndarray, tag: str = "ndarray") -> dict:
        dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
        if dtype.str not in NUMPY_DTYPES:
            raise TypeError(f"cannot send an array of dtype {array.dtype} to the grader")
        data = np.asarray(array, dtype=dtype, order="C")  # keeps 0-d arrays 0-d
        return {"$": tag, "b": self.blob(data.tobytes()), "dtype": dtype.str, "shape": list(data.shape)}

    def as_handle(self, value) -> dict:
        tp = type(value)
        try:
            text = object.__repr__(value) if isinstance(value, torch.Tensor) else repr(value)
        except BaseException:  # noqa: BLE001 - a student __repr__ may raise anything
            text = f"<{tp.__qualname__} object>"
        if not isinstance(text, str):
            text = f"<{tp.__qualname__} object>"
        bases = []
        try:
            bases = [n for n in map(type_name, tp.__mro__) if n in SHADOW_BASES]
        except BaseException:  # noqa: BLE001
            pass
        return {"$": "handle", "id": self.handle(value), "type": type_name(tp), "repr": text[:REPR_CHARS],
                "callable": callable(value), "bases": bases}

    def tensor(self, t: torch.Tensor) -> dict:
        base = torch.Tensor
        x = base.detach(t)
        if x.layout != torch.strided:
            raise TypeError(f"cannot send a {x.layout} tensor to the grader")
        x = base.resolve_neg(base.resolve_conj(base.cpu(x)))
        name = str(x.dtype).removeprefix("torch.")
        if name not in TORCH_DTYPES:
            raise TypeError(f"cannot send a tensor of dtype {x.dtype} to the grader")
        array = base.numpy(base.float(x)) if x.dtype == torch.bfloat16 else base.numpy(x)
        node = self.array(array)
        node.update({"$": "tensor", "dtype": name, "np": node["dtype"], "rg": bool(t.requires_grad),
                     "param": type(t) is torch.nn.Parameter})
        return node

    def encode(self, value, depth: int = 0):
        tp = type(value)
        if value is None or tp is bool or tp is str:
            return value
        if tp is int:
            return value if -(2**63) <= value < 2**63 else {"$": "int", "v": str(value)}
        if tp is float:
            return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
        if tp is complex:
            return {"$": "complex", "v": [self.encode(value.real), self.encode(value.imag)]}
        if tp is torch.Tensor or tp is torch.nn.Parameter:
            return self.tensor(value)
        if tp is np.ndarray and value.dtype.kind in NUMPY_KINDS and value.dtype.fields is None:
            return self.array(value)
        if isinstance(value, np.generic) and tp.__module__ == "numpy" and value.dtype.kind in NUMPY_KINDS:
            return self.array(np.asarray(value), "npscalar")
        if tp is bytes:
            return {"$": "bytes", "b": self.blob(value)}
        if tp is torch.dtype:
            return {"$": "dtype", "v": str(value).removeprefix("torch.")}
        if tp is torch.device:
            return {"$": "device", "v": str(value)}
        if depth < MAX_DEPTH:
            if tp is list:
                return [self.encode(v, depth + 1) for v in value]
            if tp is torch.Size:
                return {"$": "size", "v": [int(v) for v in value]}
            if tp in (tuple, set, frozenset):
                return {"$": tp.__name__, "v": [self.encode(v, depth + 1) for v in value]}
            if tp is dict:
                return {"$": "dict", "k": [self.encode(k, depth + 1) for k in value],
                        "v": [self.encode(v, depth + 1) for v in value.values()]}
        return self.as_handle(value)


# --- grader side ---------------------------------------------------------------------------------
def _array(node: dict, blob, dtype_key: str = "dtype", *, copy: bool = True) -> np.ndarray:
    dtype = NUMPY_DTYPES.get(node.get(dtype_key))
    shape = node.get("shape")
    if dtype is None:
        raise ProtocolError(f"array dtype {str(node.get(dtype_key))[:20]!r} refused")
    if type(shape) is not list or len(shape) > MAX_DIMS or not all(type(d) is int and 0 <= d < 2**48 for d in shape):
        raise ProtocolError("bad array shape")
    if math.prod(shape) * dtype.itemsize != len(blob):
        raise ProtocolError("array bytes do not match its dtype and shape")
    array = np.frombuffer(blob, dtype=dtype).reshape(shape)
    return array.copy() if copy or not array.flags.writeable else array


class Decoder:
    """Decodes one reply. ``make_handle(node) -> object`` builds the grader-side proxy."""

    def __init__(self, blobs: list[bytes], make_handle):
        self.blobs = blobs
        self.make_handle = make_handle
        self.nodes = 0
        self.used: set[int] = set()

    def blob(self, i) -> bytes:
        """The blob at index ``i`` (untrusted: a bad index is a :class:`ProtocolError`)."""
        if type(i) is not int or not 0 <= i < len(self.blobs):
            raise ProtocolError("bad blob index")
        return self.blobs[i]

    def _owned(self, node) -> tuple[bytes, bool]:
        """The blob and whether an array may take it over (its first use; later uses copy)."""
        blob = self.blob(node.get("b"))
        first = node["b"] not in self.used
        self.used.add(node["b"])
        return blob, first and type(blob) is bytearray

    def _list(self, node, key="v") -> list:
        items = node.get(key)
        if type(items) is not list:
            raise ProtocolError(f"'{node.get('$')}' needs a list")
        return items

    def decode(self, node, depth: int = 0):
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH + 2:
            raise ProtocolError("reply nested too deeply or too large")
        tp = type(node)
        if node is None or tp in (bool, int, float, str):
            return node
        if tp is list:
            return [self.decode(v, depth + 1) for v in node]
        if tp is not dict:
            raise ProtocolError("unexpected JSON value")
        tag = node.get("$")
        if tag == "float":
            if node.get("v") not in ("nan", "inf", "-inf"):
                raise ProtocolError("bad float")
            return float(node["v"])
        if tag == "int":
            v = node.get("v")
            if type(v) is not str or not re.fullmatch(r"-?\d{1,4000}", v):
                raise ProtocolError("bad int")
            return int(v)
        if tag == "complex":
            re_, im = (self.decode(v, depth + 1) for v in self._list(node))
            if type(re_) is not float or type(im) is not float:
                raise ProtocolError("bad complex")
            return complex(re_, im)
        if tag in ("tuple", "set", "frozenset"):
            items = [self.decode(v, depth + 1) for v in self._list(node)]
            try:
                return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
            except TypeError:
                raise ProtocolError("unhashable set member") from None
        if tag == "dict":
            keys = [self.decode(v, depth + 1) for v in self._list(node, "k")]
            vals = [self.decode(v, depth + 1) for v in self._list(node, "v")]
            if len(keys) != len(vals):
                raise ProtocolError("dict keys and values differ in length")
            try:
                return dict(zip(keys, vals))
            except TypeError:
                raise ProtocolError("unhashable dict key") from None
        if tag == "size":
            items = self._list(node)
            if not all(type(v) is int and v >= 0 for v in items):
                raise ProtocolError("bad torch.Size")
            return torch.Size(items)
        if tag == "dtype":
            if node.get("v") not in TORCH_DTYPES:
                raise ProtocolError("unknown dtype")
            return TORCH_DTYPES[node["v"]]
        if tag == "device":
            v = node.get("v")
            if type(v) is not str or not _DEVICE.match(v):
                raise ProtocolError("bad device")
            return torch.device(v)
        if tag == "tensor":
            return self._tensor(node)
        if tag == "ndarray":
            blob, owned = self._owned(node)
            return _array(node, blob, copy=not owned)
        if tag == "npscalar":
            array = _array(node, self.blob(node.get("b")))
            if array.shape != ():
                raise ProtocolError("numpy scalar with a shape")
            return array[()]
        if tag == "bytes":
            blob = self.blob(node.get("b"))
            if len(blob) > MAX_BYTES_VALUE:
                raise ProtocolError(f"a bytes value of {len(blob)} bytes (over {MAX_BYTES_VALUE})")
            return bytes(blob)
        if tag == "handle":
            if type(node.get("id")) is not int or type(node.get("type")) is not str:
                raise ProtocolError("bad handle")
            return self.make_handle(node)
        raise ProtocolError(f"unknown value tag {str(tag)[:40]!r}")

    def _tensor(self, node) -> torch.Tensor:
        name = node.get("dtype")
        if name not in TORCH_DTYPES:
            raise ProtocolError("unknown tensor dtype")
        blob, owned = self._owned(node)
        array = _array(node, blob, "np", copy=not owned)
        expected = "float32" if name == "bfloat16" else name
        if array.dtype.name != expected:
            raise ProtocolError(f"tensor declared {name} but holds {array.dtype}")
        t = torch.from_numpy(array)
        if name == "bfloat16":
            t = t.to(torch.bfloat16)
        if node.get("param") is True:
            return torch.nn.Parameter(t, requires_grad=bool(node.get("rg")))
        if node.get("rg") is True and t.is_floating_point():
            t.requires_grad_(True)
        return t


def check_name(text) -> str:
    """A child-provided type name, if it looks like one; else ``"object"``."""
    return text if type(text) is str and _NAME.match(text) else "builtins.object"
