"""Grader-side stand-ins for objects that live in a sandboxed child.

``RemoteSubmission`` replaces :class:`autograder.submission.Submission` in isolated runs: the
tests call ``submission.positional_encoding(4, 8)`` unchanged, the call runs in the child, and
plain data (tensors, arrays, numbers, strings, containers) comes back as real local objects.
Anything else comes back as a :class:`RemoteObject` whose calls, attributes, items, iteration,
``len``/``float``/``int`` are forwarded again. Truth value and comparisons are *not* forwarded:
``bool(remote)`` is a ``TypeError`` and ``==`` is identity, so an object whose ``__eq__`` or
``__bool__`` always says yes cannot pass an assertion. ``type(remote)`` is a local class named
like the student's (``expect.tensor`` then reports "got positional_encoding.LyingTensor");
``isinstance(remote, nn.Module)`` holds for modules (see ``values.SHADOW_BASES``).
"""
from __future__ import annotations

import io
import pickle
from pathlib import Path, PurePath

import torch

from .values import SHADOW_BASES, check_name

_classes: dict[tuple, type] = {}
_FUNCTION_TYPES = ("builtins.function", "builtins.builtin_function_or_method")
_shadows: dict[tuple, type] = {}


def _shadow_base(name: str):
    import torch.nn
    import torch.optim
    import torch.utils.data

    return {
        "torch.nn.modules.module.Module": torch.nn.Module,
        "torch.optim.optimizer.Optimizer": torch.optim.Optimizer,
        "torch.utils.data.dataset.Dataset": torch.utils.data.Dataset,
        "torch.utils.data.dataloader.DataLoader": torch.utils.data.DataLoader,
    }[name]


class RemoteObject:
    """A handle on an object in the child. Attribute names starting with ``_remote`` are local."""

    __slots__ = ("_remote_sandbox", "_remote_id", "_remote_gen", "_remote_type", "_remote_repr", "_remote_shadow",
                 "_remote_name", "__weakref__")

    def __init__(self, sandbox, hid: int, gen: int, type_name: str, text: str, shadow):
        for name, value in (("_remote_sandbox", sandbox), ("_remote_id", hid), ("_remote_gen", gen),
                            ("_remote_type", type_name), ("_remote_repr", text), ("_remote_shadow", shadow),
                            ("_remote_name", "")):
            object.__setattr__(self, name, value)

    def _remote(self, op: str, **fields):
        return self._remote_sandbox.request(op, target=self, **fields)

    @property
    def __class__(self):
        return self._remote_shadow or type(self)

    def __getattr__(self, name: str):
        if (name.startswith("__") and name.endswith("__")) or name.startswith("_remote"):
            raise AttributeError(name)
        return self._remote("attr", name=name)

    def __setattr__(self, name: str, value) -> None:
        if name in RemoteObject.__slots__:
            raise AttributeError(f"{name} is read-only")
        self._remote("setattr", name=name, value=value)

    def __call__(self, *args, **kwargs):
        return self._remote("call", args=args, kwargs=kwargs)

    def __iter__(self):
        return self._remote("iter")

    def __next__(self):
        return self._remote("next")

    def __len__(self) -> int:
        return _typed(self._remote("len"), int, "len()")

    def __getitem__(self, key):
        return self._remote("getitem", key=key)

    def __setitem__(self, key, value) -> None:
        self._remote("setitem", key=key, value=value)

    def __contains__(self, item) -> bool:
        return _typed(self._remote("contains", item=item), bool, "`in`")

    def __float__(self) -> float:
        return _typed(self._remote("float"), float, "float()")

    def __int__(self) -> int:
        return _typed(self._remote("int"), int, "int()")

    def __index__(self) -> int:
        return _typed(self._remote("index"), int, "an index")

    def __complex__(self) -> complex:
        return _typed(self._remote("complex"), complex, "complex()")

    def __str__(self) -> str:
        return _typed(self._remote("str"), str, "str()")

    def __repr__(self) -> str:
        return self._remote_repr

    def __bool__(self) -> bool:
        raise TypeError(f"the grader does not use a {self._remote_type} object returned by your code as "
                        "True/False: return a bool")

    def __reduce_ex__(self, protocol):
        raise TypeError("an object living in the sandbox cannot be copied or pickled")

    def __del__(self):
        try:
            self._remote_sandbox.release(self._remote_gen, self._remote_id)
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def _autograder_python_steps(self, args, kwargs, *, within=None, budget, description, hint=None):
        """``expect.python_steps`` for a sandboxed callable: the lines are counted in the child, by the
        counter it bound before the student's code was imported (``within`` no longer narrows it)."""
        return self._remote("steps", args=tuple(args), kwargs=dict(kwargs), budget=int(budget),
                            description=description, hint=hint)


def _typed(value, tp: type, what: str):
    if type(value) is not tp:
        raise TypeError(f"{what} of an object from your code should give a {tp.__name__}, got {type(value).__name__}")
    return value


def make_remote(sandbox, node: dict) -> RemoteObject:
    """The local stand-in for a handle node (see ``values``)."""
    full = check_name(node.get("type"))
    module, _, qual = full.rpartition(".")
    bases = tuple(b for b in node.get("bases", []) if b in SHADOW_BASES) if type(node.get("bases")) is list else ()
    key = (full, bool(node.get("callable")))
    cls = _classes.get(key)
    if cls is None:
        cls = type(qual.rpartition(".")[2] or "object", (RemoteObject,),
                   {"__module__": module, "__qualname__": qual, "__slots__": ()})
        if len(_classes) < 1000:
            _classes[key] = cls
    shadow = None
    if bases:
        shadow = _shadows.get((full, bases))
        if shadow is None:
            shadow = type(qual.rpartition(".")[2] or "object", tuple(_shadow_base(b) for b in bases[:1]),
                          {"__module__": module, "__qualname__": qual})
            if len(_shadows) < 1000:
                _shadows[(full, bases)] = shadow
    text = node.get("repr") if type(node.get("repr")) is str else f"<{qual} object>"
    return cls(sandbox, node["id"], sandbox.generation, full, text, shadow)


class RemoteSubmission:
    """The ``submission`` fixture of an isolated run: names resolve in the child."""

    def __init__(self, sandbox, folder: Path):
        self._sandbox = sandbox
        self.dir = Path(folder)

    def __repr__(self) -> str:
        return f"Submission({self.dir.name})"

    def module(self, name: str):
        return self._sandbox.request("module", name=name)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        sandbox = self._sandbox
        cached = sandbox.functions.get(name)
        if cached is not None and cached._remote_gen == sandbox.generation:
            return cached
        value = sandbox.request("attr", target=None, name=name)
        if isinstance(value, RemoteObject):
            object.__setattr__(value, "_remote_name", name)  # the test's name for it, not the child's
        if isinstance(value, RemoteObject) and value._remote_type in _FUNCTION_TYPES:
            sandbox.functions[name] = value  # one round trip per call, not two
        return value


class ArgPickler(pickle.Pickler):
    """Pickles call arguments for the child; handles travel as references to the child's objects.

    A ``pathlib.Path`` argument is translated: inside the submission folder, to the same file in
    the child's copy; an existing file or folder elsewhere (a test's data file), to a copy sent
    along (cached per child); a path that does not exist yet (an output), to a fresh path in
    the child's scratch space whose file is copied back here after the call.
    """

    def __init__(self, file, sandbox):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.sandbox = sandbox
        self.outputs: dict[int, Path] = {}

    def persistent_id(self, obj):
        if isinstance(obj, RemoteObject):
            if obj._remote_sandbox is not self.sandbox or obj._remote_gen != self.sandbox.generation:
                from .errors import StaleObject

                raise StaleObject("an object your code created earlier is gone: the process that held it "
                                  "was stopped after a crash or time limit")
            return ("h", obj._remote_id)
        if isinstance(obj, RemoteSubmission):
            return ("sub",)
        if isinstance(obj, PurePath):
            return self.sandbox.path_argument(Path(obj), self.outputs)
        if type(obj) is torch.Tensor and obj.layout == torch.strided and obj.device.type == "cpu" and obj.is_leaf:
            x = obj.detach().resolve_conj().resolve_neg()
            bf16 = x.dtype == torch.bfloat16
            return ("t", (x.float() if bf16 else x).numpy(), "bfloat16" if bf16 else "", obj.requires_grad)
        return None


def dumps(obj, sandbox) -> tuple[bytes, dict[int, Path]]:
    """(pickle bytes, {key: output path to fill from the reply})."""
    buf = io.BytesIO()
    pickler = ArgPickler(buf, sandbox)
    try:
        pickler.dump(obj)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        try:
            import cloudpickle  # test-defined lambdas and local functions
        except ImportError:
            raise exc from None

        class _Cloud(cloudpickle.Pickler):
            persistent_id = ArgPickler.persistent_id

        buf = io.BytesIO()
        pickler = _Cloud(buf, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.sandbox, pickler.outputs = sandbox, {}
        pickler.dump(obj)
    return buf.getvalue(), pickler.outputs
