"""The runtime inside a sandboxed child (process C, see ``jail.py``): imports the submission, then
answers the grader's requests until told to stop or the socket closes.

After importing it sends ``{"ok": true, "value": {"names": {...}, "errors": {...}}}``. Each
request is a dict with ``"op"`` and op-specific fields; each answer is a reply frame (``wire``)::

    {"ok": true,  "value": <node>, "sync": {...}, "rng": {...}}
    {"ok": false, "error": {"type", "builtin", "args", "message", "where", "not_implemented",
                            "errno", "filename"}}

ops: attr(target, name), setattr(target, name, value), call(target, args, kwargs),
     steps(target, args, kwargs, budget, description, hint), iter, next, len, float,
     int, index, getitem(key), setitem(key, value), contains(item), str, module(name),
     reset (kill stray processes between tests), bye.
``target`` is a handle id, or None for the submission namespace. ``release`` (ids no longer
referenced by the grader) and ``rng`` (global RNG states to adopt) may ride on any request.
Arguments the call changed in place come back in ``"sync"``, moved global RNG states in ``"rng"``
and files written at output paths in ``"files"`` (both halves of that codec: ``sync.py``), so the
grader's copies behave as if the call had run in its own process.
"""
from __future__ import annotations

from .pristine import BUILTINS as __builtins__  # noqa: F401 - see pristine.py

import builtins as _builtins
import errno as _errno
import os
import pickle
import random
import signal
import socket
import sys
import traceback
from pathlib import Path

import numpy as np
import torch

from .. import expect, submission as submission_mod  # noqa: F401 - preloaded for the child
from ..explain import SubmissionImportError, student_location
from . import sync, wire
from .values import Encoder, type_name

_getpid = os.getpid
_exit = os._exit
_child_send = wire.child_send
MESSAGE_CHARS = 2000
ALLOWED_BUILTIN_ERRORS = {name for name, obj in vars(_builtins).items()
                          if isinstance(obj, type) and issubclass(obj, BaseException)}


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, runtime: "Runtime"):
        import io

        super().__init__(io.BytesIO(data))
        self.runtime = runtime

    def persistent_load(self, pid):
        kind = pid[0]
        if kind == "h":
            obj = self.runtime.handles.get(pid[1], _MISSING)
            if obj is _MISSING:
                raise LookupError("the grader referred to an object that no longer exists")
            self.runtime.from_handles.add(id(obj))
            return obj
        if kind == "sub":
            return self.runtime.submission
        if kind.startswith("path_"):
            return self.runtime.path(pid)
        if kind == "t":  # a plain CPU tensor sent as its numpy array (see proxy.ArgPickler)
            _, array, dtype, requires_grad = pid
            t = torch.from_numpy(array)
            if dtype == "bfloat16":
                t = t.to(torch.bfloat16)
            return t.requires_grad_(requires_grad) if requires_grad else t
        raise pickle.UnpicklingError(f"unknown persistent id {kind!r}")


_MISSING = object()


class Runtime:
    def __init__(self, sock: socket.socket, workdir: str, modules: list[str], *, can_kill_all: bool):
        self.sock = sock
        self.can_kill_all = can_kill_all
        self.pid = _getpid()
        self.workdir = workdir
        self.modules = modules
        self.handles: dict[int, object] = {}
        self.next_id = 1
        self.submission = None
        self.paths: dict[int, Path] = {}
        self.outputs: dict[int, Path] = {}
        self.from_handles: set[int] = set()  # ids of this request's arguments that are the child's own objects
        # Bound now, before student code is imported: patching the class or module afterwards does
        # not reach this runtime's request loop.
        self.count_steps = expect.steps_counter(alone=True)
        for name in ("answer", "dispatch", "finish", "send"):
            setattr(self, name, getattr(self, name))

    # handles --------------------------------------------------------------------------------
    def handle(self, obj) -> int:
        """A new id per reply: the grader releases each id once, when its proxy is gone."""
        hid = self.next_id
        self.next_id += 1
        self.handles[hid] = obj
        return hid

    def release(self, ids) -> None:
        for hid in ids:
            self.handles.pop(hid, None)

    def path(self, pid) -> Path:
        """A path argument from the grader, materialised here (see ``proxy.ArgPickler``)."""
        import tempfile

        kind = pid[0]
        if kind == "path_sub":
            return Path(self.workdir) / pid[1]
        if kind == "path_missing":
            return Path(pid[1])
        if kind == "path_cached":
            return self.paths[pid[1]]
        key, name = pid[1], pid[2]
        folder = Path(tempfile.gettempdir()) / ".grader-files" / str(key)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        if kind == "path_out":
            self.outputs[key] = target
            return target
        payload = pid[3]
        if type(payload) is bytes:
            target.write_bytes(payload)
        else:
            for rel, data in payload.items():
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                (target / rel).write_bytes(data)
        self.paths[key] = target
        return target

    def target(self, request):
        t = request.get("target")
        if t is None:
            return self.submission
        if t not in self.handles:
            raise LookupError("the grader referred to an object that no longer exists")
        return self.handles[t]

    # replies --------------------------------------------------------------------------------
    def send(self, header: dict, blobs: list[bytes]) -> None:
        if _getpid() != self.pid:  # a process forked by student code must not answer
            _exit(0)
        _child_send(self.sock, header, blobs)

    def error_node(self, exc: BaseException) -> dict:
        tp = type(exc)
        name = type_name(tp)
        builtin = tp.__module__ == "builtins" and tp.__name__ in ALLOWED_BUILTIN_ERRORS
        if isinstance(exc, SubmissionImportError):
            name, builtin = "autograder.explain.SubmissionImportError", False
        try:
            message = str(exc)
        except BaseException:  # noqa: BLE001
            message = ""
        args = None
        try:
            if all(type(a) in (str, int, float, bool) or a is None for a in exc.args) and len(exc.args) <= 5:
                args = [a if type(a) is not str else a[:MESSAGE_CHARS] for a in exc.args]
        except BaseException:  # noqa: BLE001
            pass
        where = ""
        try:
            where = student_location(exc.__traceback__, self.workdir)[:MESSAGE_CHARS]
        except BaseException:  # noqa: BLE001
            pass
        hint = None
        seen, link = set(), exc
        while link is not None and id(link) not in seen:
            seen.add(id(link))
            if isinstance(link, NotImplementedError):
                hint = str(link)[:MESSAGE_CHARS]
                break
            link = link.__cause__ or link.__context__
        node = {"type": name[:200], "builtin": builtin, "args": args, "message": message[:MESSAGE_CHARS],
                "where": where, "not_implemented": hint, "bases": builtin_bases(tp)}
        if isinstance(exc, OSError):
            node["limit"] = self.os_error_limit(exc)
            if exc.filename is not None:
                node["filename"] = str(exc.filename)[:500]
        if isinstance(exc, MemoryError) or "can't allocate memory" in message or "not enough memory" in message:
            node["limit"] = "memory"
        if isinstance(exc, BlockingIOError) and exc.errno == _errno.EAGAIN and exc.filename is None:
            node["limit"] = "processes"
        return node

    def os_error_limit(self, exc: OSError) -> str:
        """Which sandbox wall an OSError most likely hit ("" if none)."""
        import tempfile

        code = exc.errno
        if code in (_errno.EFBIG, _errno.ENOSPC):
            return "file"
        blocked = (_errno.ENOENT, _errno.EACCES, _errno.EPERM, _errno.EROFS, _errno.ENETUNREACH, _errno.EAFNOSUPPORT)
        if code not in blocked:
            return ""
        try:
            if any(f.filename.endswith("socket.py") for f in traceback.extract_tb(exc.__traceback__)):
                return "network"
        except BaseException:  # noqa: BLE001
            pass
        if exc.filename is None:
            return "network" if code in (_errno.ENETUNREACH, _errno.EACCES) else ""
        path = os.path.abspath(str(exc.filename))
        if path.startswith((self.workdir.rstrip("/") + "/", "/dev/")):
            return ""
        # The sandbox's /tmp is its own, but the grader's files may live under the host's /tmp too
        # (a course cloned there): a missing file in a folder the student made is their own slip,
        # a path into a tree that does not exist here is the sandbox's wall.
        if path.startswith(tempfile.gettempdir().rstrip("/") + "/") and os.path.isdir(os.path.dirname(path)):
            return ""
        return "access"

    def reply_error(self, exc: BaseException) -> None:
        self.send({"ok": False, "error": self.error_node(exc)}, [])

    # the loop -------------------------------------------------------------------------------
    def start(self) -> None:
        try:
            self.submission = submission_mod.load(Path(self.workdir), self.modules)
        except BaseException as exc:  # noqa: BLE001
            self.reply_error(exc)
            return
        if _getpid() != self.pid:
            _exit(0)
        names = {}
        for mod_name, module in self.submission._modules.items():
            names[mod_name] = sorted(n for n in vars(module) if not n.startswith("_"))[:10000]
        self.send({"ok": True, "value": {"names": names, "errors": dict(self.submission._errors)}}, [])

    def serve(self) -> None:
        self.start()
        while True:
            try:
                request = wire.child_recv(self.sock)
            except (wire.ChannelClosed, OSError):
                _exit(0)
            self.answer(request)

    def answer(self, raw) -> None:
        before_rng = versions = None
        self.from_handles = {id(self.submission)}
        try:
            request = _Unpickler(raw, self).load()
            if request.get("op") == "bye":
                _exit(0)
            self.release(request.get("release", ()))
            rng = request.get("rng")
            if rng:
                torch.set_rng_state(rng["torch"])
                np.random.set_state(rng["numpy"])
                random.setstate(rng["random"])
            before_rng = sync.rng_states()
            args, kwargs = request.get("args", ()), request.get("kwargs", {})
            versions = [(p, o, sync.snapshot(o)) for p, o in sync.walk(args, kwargs, frozenset(self.from_handles))]
            value = self.dispatch(request, args, kwargs)
            as_handle = request["op"] in ("iter", "module")
        except BaseException as exc:  # noqa: BLE001 - everything student code raises goes back
            if _getpid() != self.pid:
                _exit(0)
            self.finish({"ok": False, "error": self.error_node(exc)}, Encoder(self.handle), before_rng, versions)
            return
        try:
            encoder = Encoder(self.handle)
            node = encoder.as_handle(value) if as_handle else encoder.encode(value)
            self.finish({"ok": True, "value": node}, encoder, before_rng, versions)
        except BaseException as exc:  # noqa: BLE001 - e.g. a tensor too large to copy
            if _getpid() != self.pid:
                _exit(0)
            self.finish({"ok": False, "error": self.error_node(exc)}, Encoder(self.handle), before_rng, versions)

    def finish(self, header: dict, encoder: Encoder, before_rng, versions) -> None:
        """Add in-place changes of arguments and global RNG states, send, reap zombies."""
        try:
            changes = []
            for path, obj, before in versions or ():
                node = sync.sync_node(obj, before, encoder)
                if node is not None:
                    changes.append([path, node])
            if changes:
                header["sync"] = changes
            written = sync.output_files(self.outputs, encoder)
            if written:
                header["files"] = written
            rng = sync.rng_changes(before_rng, encoder) if before_rng is not None else None
            if rng:
                header["rng"] = rng
        except BaseException:  # noqa: BLE001 - the reply itself matters more
            for key in ("sync", "rng", "files"):
                header.pop(key, None)
        self.outputs = {}
        self.send(header, encoder.blobs)
        self.reap()

    def reap(self) -> None:
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass

    def dispatch(self, request: dict, args, kwargs):
        op = request["op"]
        if op == "attr":
            return getattr(self.target(request), request["name"])
        if op == "module":
            return self.submission.module(request["name"])
        obj = self.target(request)
        if op == "call":
            return obj(*args, **kwargs)
        if op == "steps":
            return self.count_steps(obj, args, kwargs, budget=request["budget"], description=request["description"],
                                    hint=request.get("hint"))
        if op == "setattr":
            setattr(obj, request["name"], request["value"])
            return None
        if op == "iter":
            return iter(obj)
        if op == "next":
            return next(obj)
        if op == "len":
            return len(obj)
        if op in ("float", "int", "index", "complex"):
            return {"float": float, "int": int, "complex": complex, "index": _index}[op](obj)
        if op == "getitem":
            return obj[request["key"]]
        if op == "setitem":
            obj[request["key"]] = request["value"]
            return None
        if op == "contains":
            return request["item"] in obj
        if op == "str":
            return str(obj)
        if op == "reset":
            return self.reset()
        raise ValueError(f"unknown op {op!r}")

    def reset(self) -> int:
        """Kill every other process of this sandbox's user (strays of a fork bomb, daemons)."""
        if not self.can_kill_all:
            return 0
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        self.reap()
        return 1


def builtin_bases(tp: type) -> list[str]:
    """The built-in exception classes ``tp`` derives from, most derived first (``EncodingError(ValueError)``
    gives ``["ValueError"]``): the grader rebuilds the student's class on them."""
    out = []
    try:
        for base in tp.__mro__[1:]:
            if (base.__module__ == "builtins" and base.__name__ in ALLOWED_BUILTIN_ERRORS
                    and base not in (Exception, BaseException) and not any(issubclass(b, base) for b in out)):
                out.append(base)
    except BaseException:  # noqa: BLE001 - a metaclass may lie
        return []
    return [b.__name__ for b in out[:4]]


def _index(obj):
    import operator

    return operator.index(obj)


def serve(sock: socket.socket, workdir: str, modules: list[str], *, can_kill_all: bool) -> None:
    """Run the child runtime on ``sock`` (blocking); never returns.

    ``can_kill_all``: this process has a user (and pid namespace) of its own, so ``kill(-1)``
    reaches only its own strays.
    """
    sock.setblocking(True)
    try:
        torch.set_num_threads(1)  # one core per sandbox: the batch runs one worker per core
    except RuntimeError:
        pass
    Runtime(sock, workdir, modules, can_kill_all=can_kill_all).serve()
