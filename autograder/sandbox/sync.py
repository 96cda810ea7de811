"""In-place changes to a call's arguments, carried from the sandboxed child back to the grader.

A test passes tensors, modules, optimizers and generators to the student's function, and some
functions are meant to change them (train a model, step an optimizer, fill a tensor with ``_``);
global RNG states and output files change as a side effect. The call runs in the child on
copies, so what changed there must come back and be applied to the grader's objects, as if the
call had run in the grader's process. Both halves of that codec live here:

child side (runs next to student code, after it returns)
    :func:`walk` lists the arguments that can change, :func:`snapshot` records each before the
    call, :func:`sync_node` encodes what changed (``{"$": "module" | "optimizer"}`` or a tensor
    node), :func:`rng_states`/:func:`rng_changes` the global RNG states that moved,
    :func:`output_files` the files written at output paths.

grader side (trusts nothing it reads)
    :func:`apply_sync`, :func:`apply_rng` and :func:`apply_files` check each entry's shape and
    type before touching anything; anything malformed is a ``wire.ProtocolError``.

Sync entries name an argument by its path: ``["a", i, ...]`` (positional) or ``["k", name, ...]``
(keyword), then list indices or dict keys, at most ``ARG_DEPTH`` deep, in :func:`walk`'s order.
"""
from __future__ import annotations

from .pristine import BUILTINS as __builtins__  # noqa: F401 - see pristine.py

import random
from pathlib import Path

import numpy as np
import torch

from .values import Decoder, Encoder
from .wire import ProtocolError

ARG_DEPTH = 3
MAX_ENTRIES = 1000


# --- child side --------------------------------------------------------------------------------
def walk(args, kwargs, skip=frozenset()):
    """(path, object) for tensors, generators, modules and optimizers in call arguments, in the same
    order as the grader's copy of the arguments (``skip``: ids of objects that are the child's own)."""
    out = []

    def visit(value, path, depth):
        tp = type(value)
        if id(value) in skip:
            return
        if tp is torch.Tensor or tp is torch.nn.Parameter or tp is torch.Generator:
            out.append((path, value))
        elif isinstance(value, (torch.nn.Module, torch.optim.Optimizer)):
            out.append((path, value))
        elif depth < ARG_DEPTH and tp in (list, tuple):
            for i, v in enumerate(value):
                visit(v, path + [i], depth + 1)
        elif depth < ARG_DEPTH and tp is dict:
            for k, v in value.items():
                if type(k) is str:
                    visit(v, path + [k], depth + 1)

    visit(list(args), ["a"], 0)
    for k in sorted(kwargs):
        visit(kwargs[k], ["k", k], 1)
    return out


def _tensors(module: torch.nn.Module) -> dict:
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    return {k: v for k, v in named.items() if isinstance(v, torch.Tensor)}


def _buffer_names(module: torch.nn.Module) -> set:
    return {name for name, _ in module.named_buffers(remove_duplicate=False)}


def snapshot(obj):
    """What an in-place change would alter: parameters by version counter, buffers by value (native
    kernels such as batch norm update running statistics without bumping the version), flags."""
    if type(obj) is torch.Generator:
        return obj.get_state()
    if isinstance(obj, torch.nn.Module):
        buffers = _buffer_names(obj)
        state = {}
        for name, t in _tensors(obj).items():
            if name in buffers:
                state[name] = ("buffer", id(t), t.detach().clone())
            else:
                g = getattr(t, "grad", None)
                state[name] = (id(t), t._version, t.requires_grad, id(g), None if g is None else g._version)
        return state, tuple(m.training for m in obj.modules())
    if isinstance(obj, torch.optim.Optimizer):
        return None
    return obj._version


def _same_entry(a, b) -> bool:
    if a is None or b is None or a[0] != b[0]:
        return False
    if a[0] == "buffer":
        return a[1] == b[1] and a[2].shape == b[2].shape and torch.equal(a[2], b[2])
    return a == b


def sync_node(obj, before, encoder: Encoder):
    """The encoded change of one argument since ``before`` (its :func:`snapshot`), or None if unchanged."""
    if type(obj) is torch.Generator:
        state = obj.get_state()
        return None if torch.equal(state, before) else encoder.tensor(state)
    if isinstance(obj, torch.optim.Optimizer):
        return {"$": "optimizer", "state": encoder.encode(obj.state_dict())}
    if isinstance(obj, torch.nn.Module):
        after = snapshot(obj)
        tensors = _tensors(obj)
        changed, grads = [], []
        for n, v in after[0].items():
            old = before[0].get(n)
            if v[0] == "buffer":
                if not _same_entry(old, v):
                    changed.append(n)
            elif old is None or old[0] == "buffer" or old[:3] != v[:3]:
                changed.append(n)
                grads.append(n)
            elif old[3:] != v[3:]:
                grads.append(n)
        if not changed and not grads and after[1] == before[1]:
            return None
        return {"$": "module", "training": list(after[1]),
                "state": [[n, encoder.tensor(tensors[n]), tensors[n].requires_grad] for n in changed],
                "grads": [[n, None if tensors[n].grad is None else encoder.tensor(tensors[n].grad)] for n in grads]}
    return None if obj._version == before else encoder.tensor(obj)


def rng_states() -> dict:
    """The process's global RNG states (torch, numpy, random)."""
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "random": random.getstate()}


def _same(key: str, a, b) -> bool:
    if key == "torch":
        return torch.equal(a, b)
    if key == "numpy":
        return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]
    return a == b


def rng_changes(before: dict, encoder: Encoder) -> dict | None:
    """The encoded global RNG states that differ from ``before`` (:func:`rng_states`), or None."""
    changed = {k: v for k, v in rng_states().items() if not _same(k, v, before[k])}
    if not changed:
        return None
    out = {}
    if "torch" in changed:
        out["torch"] = encoder.tensor(changed["torch"])
    if "numpy" in changed:
        kind, keys, pos, has_gauss, cached = changed["numpy"]
        out["numpy"] = {"keys": encoder.encode(np.asarray(keys, dtype=np.uint32)), "pos": int(pos),
                        "has_gauss": int(has_gauss), "cached": float(cached)}
    if "random" in changed:
        version, internal, gauss = changed["random"]
        out["random"] = {"version": int(version), "state": [int(v) for v in internal],
                         "gauss": None if gauss is None else float(gauss)}
    return out


def output_files(outputs: dict[int, Path], encoder: Encoder) -> list[list]:
    """``[[key, blob index], ...]`` for each output path the call was given and wrote a file at."""
    return [[k, encoder.blob(p.read_bytes())] for k, p in outputs.items() if p.is_file()]


# --- grader side -------------------------------------------------------------------------------
def rng_snapshot():
    """This process's global RNG states, to compare with :func:`rng_equal` (what the child must adopt)."""
    return torch.get_rng_state(), np.random.get_state(), random.getstate()


def rng_equal(a, b) -> bool:
    return (torch.equal(a[0], b[0]) and a[1][0] == b[1][0] and np.array_equal(a[1][1], b[1][1])
            and a[1][2:] == b[1][2:] and a[2] == b[2])


def apply_sync(sync, decoder: Decoder, request: dict, keep_inputs: str = "", *, is_remote=lambda obj: False
               ) -> list[list]:
    """Apply what the call changed in place in its arguments (see :func:`sync_node`); with
    ``keep_inputs`` (a function's name), plain tensors keep their values: returns the paths of the
    arguments that changed. ``is_remote(obj)``: whether an argument is a proxy of a child object
    (nothing to apply to)."""
    kept: list[list] = []
    if sync is None:
        return kept
    if type(sync) is not list:
        raise ProtocolError("bad sync list")
    for entry in sync[:MAX_ENTRIES]:
        if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not list:
            raise ProtocolError("bad sync entry")
        path, node = entry
        obj = _follow(request, path, is_remote)
        tag = node.get("$") if type(node) is dict else None
        if isinstance(obj, torch.nn.Module) and tag == "module":
            _sync_module(obj, node, decoder)
        elif isinstance(obj, torch.optim.Optimizer) and tag == "optimizer":
            try:
                obj.load_state_dict(decoder.decode(node.get("state")))
            except (ValueError, KeyError, TypeError, RuntimeError, IndexError):
                raise ProtocolError("bad optimizer state") from None
        elif type(obj) is torch.Generator and tag == "tensor":
            new = decoder.decode(node)
            try:
                obj.set_state(new)
            except (RuntimeError, TypeError):
                raise ProtocolError("bad generator state") from None
        elif type(obj) is torch.Tensor and tag == "tensor" and keep_inputs:
            decoder.decode(node)  # well-formed, but the test's tensor keeps its value
            kept.append(path)
        elif type(obj) in (torch.Tensor, torch.nn.Parameter) and tag == "tensor":
            _copy_into(obj, decoder.decode(node))
        else:
            raise ProtocolError("sync value does not fit its argument")
    return kept


def _sync_module(module: torch.nn.Module, node: dict, decoder: Decoder) -> None:
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    try:
        for name, tensor_node, requires_grad in node.get("state", []):
            if name in named and isinstance(named[name], torch.Tensor):
                _copy_into(named[name], decoder.decode(tensor_node))
                if named[name].is_leaf and named[name].is_floating_point():
                    named[name].requires_grad_(bool(requires_grad))
        for name, grad_node in node.get("grads", []):
            if name in named and isinstance(named[name], torch.Tensor) and named[name].is_leaf:
                grad = None if grad_node is None else decoder.decode(grad_node)
                named[name].grad = None if grad is None else grad.to(named[name].dtype).reshape(named[name].shape)
        flags = node.get("training", [])
        for sub, flag in zip(module.modules(), flags):
            sub.training = bool(flag)
    except (ValueError, TypeError, RuntimeError) as exc:
        raise ProtocolError(f"bad module state ({type(exc).__name__})") from None


def apply_files(files, decoder: Decoder, outputs: dict) -> None:
    """Files the call wrote at output paths it was given: copy them to the test's paths."""
    if files is None:
        return
    if type(files) is not list:
        raise ProtocolError("bad file list")
    for entry in files:
        if type(entry) is not list or len(entry) != 2 or entry[0] not in outputs:
            raise ProtocolError("bad file entry")
        outputs[entry[0]].write_bytes(decoder.blob(entry[1]))


def apply_rng(rng, decoder: Decoder) -> None:
    """Adopt the global RNG states the call moved in the child (:func:`rng_changes`)."""
    if rng is None:
        return
    if type(rng) is not dict:
        raise ProtocolError("bad rng")
    try:
        if "torch" in rng:
            state = decoder.decode(rng["torch"])
            if type(state) is not torch.Tensor or state.dtype != torch.uint8:
                raise ProtocolError("bad torch rng state")
            torch.set_rng_state(state)
        if "numpy" in rng:
            n = rng["numpy"]
            keys = decoder.decode(n["keys"])
            if type(keys) is not np.ndarray or keys.dtype != np.uint32 or keys.shape != (624,):
                raise ProtocolError("bad numpy rng state")
            np.random.set_state(("MT19937", keys, int(n["pos"]), int(n["has_gauss"]), float(n["cached"])))
        if "random" in rng:
            r = rng["random"]
            state = r["state"]
            if type(state) is not list or len(state) != 625 or not all(type(v) is int for v in state):
                raise ProtocolError("bad random state")
            gauss = r["gauss"]
            random.setstate((int(r["version"]), tuple(state), None if gauss is None else float(gauss)))
    except (KeyError, TypeError, ValueError, RuntimeError):
        raise ProtocolError("bad rng state") from None


def _copy_into(target: torch.Tensor, new) -> None:
    if type(new) not in (torch.Tensor, torch.nn.Parameter):
        raise ProtocolError("sync value is not a tensor")
    with torch.no_grad():
        if target.shape != new.shape:
            target.resize_(new.shape)
        target.copy_(new.to(target.dtype))


def _follow(request: dict, path: list, is_remote):
    """The argument object at ``path`` (see the module docstring)."""
    if not path or path[0] not in ("a", "k"):
        raise ProtocolError("bad sync path")
    obj = list(request.get("args", ())) if path[0] == "a" else request.get("kwargs", {})
    for step in path[1:]:
        try:
            if type(step) is int and type(obj) in (list, tuple):
                obj = obj[step]
            elif type(step) is str and type(obj) is dict:
                obj = obj[step]
            else:
                raise ProtocolError("bad sync path")
        except (IndexError, KeyError):
            raise ProtocolError("bad sync path") from None
    if not (type(obj) in (torch.Tensor, torch.nn.Parameter, torch.Generator)
            or isinstance(obj, (torch.nn.Module, torch.optim.Optimizer))) or is_remote(obj):
        raise ProtocolError("sync path does not name an argument that can change in place")
    return obj
