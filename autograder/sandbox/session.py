"""One submission's sandbox as the trusted grader sees it: children, deadlines, restarts.

A :class:`Session` copies the submission's files into a private staging folder, starts a child
on first use (the import happens there, with its own time limit), and turns every request into
one round trip with a deadline: what is left of the test's budget (``Limits.test_s`` of time
spent waiting for student code; the test's own work in the grader is not charged) or of the
submission's wall time (``Limits.submission_s``), whichever ends first.

What a failure costs:
  * student code raising: that exception, re-raised in the test (the child lives on);
  * a function of the submission changing a tensor argument in place (``x.zero_()``): the test's
    tensor keeps its value (expected values computed from it afterwards stay honest) and the call
    fails with an ``AssertionError`` that says so, unless the function's name ends in ``_``
    (PyTorch's mark of an in-place operation). Modules, optimizers, parameters and generators
    passed in are changed in place as in process (training a model is its purpose);
  * a time limit, a crash, a malformed reply: the child is killed, the current test fails and
    every further call in that test fails at once; the next test gets a fresh child;
  * more than ``Limits.restarts`` fresh children for the tests of one task (test group): the
    remaining tests *of that task* fail at once; other tasks' tests still run;
  * the import timing out or crashing, or the submission's time running out: every remaining test
    fails at once with that reason;
  * a fault of the grader's own processes (the fork server or a sandbox's supervisor died, a
    sandbox could not be started): every remaining test fails at once and :attr:`Session.fault`
    holds an :class:`~.errors.GraderFault`, which ``judge.grade`` raises instead of returning a
    report (the student is graded again, never blamed).
"""
from __future__ import annotations

import os
import random
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from .. import expect
from ..explain import SubmissionImportError
from . import errors, proxy, wire
from .limits import Limits
from .values import Decoder

SKIPPED = {"__pycache__", ".git", ".ipynb_checkpoints", ".hypothesis", ".pytest_cache"}
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
RESET_S = 5.0
SANDBOX_NAME = "submission"  # the sandbox's folder (/grading/submission): never the student's name


def safe_name(name: str) -> str:
    return name if _SAFE_NAME.match(name or "") else "submission"


def collect_files(folder: Path, limits: Limits) -> dict[str, bytes]:
    """The regular files of a submission folder (no symlinks, devices, caches), size-limited."""
    folder = Path(folder)
    out: dict[str, bytes] = {}
    budget = limits.submission_mb * 1024 * 1024
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED and not os.path.islink(os.path.join(dirpath, d)))
        rel_dir = os.path.relpath(dirpath, folder)
        if rel_dir.count(os.sep) > 8:
            continue
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if not (st.st_mode & 0o170000 == 0o100000) or st.st_size > budget or len(out) >= 5000:
                continue
            budget -= st.st_size
            with open(path, "rb") as fh:
                out[os.path.normpath(os.path.join(rel_dir, name))] = fh.read()
    return out


def write_files(files: dict[str, bytes], dest: Path) -> None:
    for rel, data in files.items():
        parts = Path(rel).parts
        if Path(rel).is_absolute() or ".." in parts or not parts:
            raise ValueError(f"refusing to write {rel!r} outside the submission folder")
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


SCRATCH_PREFIX = "autograder-sandbox-"


def remove_stale_scratch() -> None:
    """Delete staging folders left by grader processes that were killed (named after their pid)."""
    root = Path(tempfile.gettempdir())
    for path in root.glob(f"{SCRATCH_PREFIX}*-*"):
        try:
            pid = int(path.name[len(SCRATCH_PREFIX):].split("-", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue


def _rng_snapshot():
    return torch.get_rng_state(), np.random.get_state(), random.getstate()


def _rng_equal(a, b) -> bool:
    return (torch.equal(a[0], b[0]) and a[1][0] == b[1][0] and np.array_equal(a[1][1], b[1][1])
            and a[1][2:] == b[1][2:] and a[2] == b[2])


class Session:
    """The sandbox of one submission; ``request`` is what the proxies call."""

    def __init__(self, spawner, folder: Path, modules, limits: Limits | None = None, *,
                 files: dict[str, bytes] | None = None, name: str | None = None, isolate: str = "auto",
                 readable: list[str] | None = None):
        from . import jail

        self.spawner = spawner
        self.folder = Path(folder)
        self.modules = list(modules)
        self.limits = limits or Limits()
        self.name = safe_name(name or self.folder.name)
        self.isolate = isolate
        self.readable = readable if readable is not None else jail.readable_paths()
        self.base = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
        (self.base / "root").mkdir()
        (self.base / "files").mkdir()
        write_files(files if files is not None else collect_files(self.folder, self.limits), self.base / "files")
        self.generation = 0
        self.child = None
        self.info: dict = {}
        self.mode = ""
        self.sticky: errors.SandboxError | None = None
        self.broken: errors.SandboxError | None = None
        self.restarts = 0
        self.group = ""  # the task of the current test: the restart budget is per group
        self.restarts_by_group: dict[str, int] = {}
        self.gave_up: dict[str, errors.SandboxError] = {}
        self.fault: errors.GraderFault | None = None
        self.deadline = time.monotonic() + self.limits.submission_s
        self.test_budget: float | None = None  # seconds the current test's calls may still take
        self.events: list[str] = []
        self._released: list[int] = []
        self._rng_seen = None
        self._paths: dict[str, tuple] = {}
        self._key = 0
        self.functions: dict[str, object] = {}  # module-level functions of this child, by name

    # --- lifecycle ----------------------------------------------------------------------------
    def begin_test(self, group: str = "") -> None:
        self.broken = None
        self.group = group
        self.test_budget = float(self.limits.test_s)

    def end_test(self) -> None:
        """Between tests: kill processes the student left behind (fork bombs, daemons)."""
        self.broken = None
        self.test_budget = RESET_S
        try:
            if self.child is not None and self.sticky is None:
                self.request("reset")
        except (errors.SandboxError, Exception):  # noqa: BLE001 - the next test starts a fresh child
            pass
        finally:
            self.broken = None
            self.test_budget = None

    def close(self) -> None:
        self._stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def release(self, gen: int, hid: int) -> None:
        if gen == self.generation:
            self._released.append(hid)

    def _stop(self) -> None:
        if self.child is not None:
            self.child.close()
            self.child = None
        self.generation += 1
        self._released.clear()
        self._rng_seen = None
        self._paths.clear()
        self.functions.clear()

    def _fail(self, err: errors.SandboxError):
        self._stop()
        self.restarts += 1
        self.events.append(str(err))
        if err.whole_submission:
            self.sticky = err
        elif self.test_budget is not None:
            self.broken = err
        count = self.restarts_by_group[self.group] = self.restarts_by_group.get(self.group, 0) + 1
        if self.sticky is None and count > self.limits.restarts and self.group not in self.gave_up:
            task = f" of task {self.group}" if self.group else ""
            self.gave_up[self.group] = errors.GaveUp(
                f"your code crashed or ran out of time {count} times in the tests{task}; "
                f"its remaining tests were not run (last problem: {err})")
        raise err

    def _grader_fault(self, what: str):
        """The grader's own processes failed: stop grading this submission (it is graded again)."""
        self._stop()
        self.fault = errors.GraderFault(what)
        self.events.append(f"grader fault: {what}")
        self.sticky = errors.Interrupted(f"grading was interrupted by a fault of the grader ({what}); "
                                         "this submission will be graded again")
        raise self.sticky

    def _server_dead(self) -> bool:
        server = getattr(self.spawner, "server", None)
        return server is not None and not server.alive

    def _died(self, child, status) -> None:
        """The child's channel closed: its death is the student's, unless our own processes died."""
        if self._server_dead():
            self._grader_fault("the sandbox fork server died")
        if status is None and child.events.get("mode", "none") != "none" and not child.killed:
            # B (the namespace's init, which the student cannot signal) reports every end of C;
            # no report means B or its parent A died: a supervisor of ours, not student code.
            self._grader_fault("the process supervising the sandbox died")

    # --- starting a child ----------------------------------------------------------------------
    def _files_text(self) -> str:
        return ", ".join(self.modules)

    def _start(self):
        if self.child is not None:
            return self.child
        if self.sticky is not None:
            raise self.sticky
        # The fork server's memory is inherited by every later child: nothing naming a student
        # goes through it (the staging folder's name is random, the sandbox's folder is opaque).
        spec = {"base": str(self.base), "name": SANDBOX_NAME, "modules": self.modules, "limits": self.limits.to_dict(),
                "readable": self.readable, "env": {}, "isolate": self.isolate}
        try:
            child = self.spawner.spawn(spec)  # may (re)start the fork server: not the student's time
        except (RuntimeError, OSError) as exc:
            self._grader_fault(f"the grader could not start a sandbox: {exc}")
        child.wait_started(60)
        deadline = min(time.monotonic() + self.limits.import_s, self.deadline)
        problem: errors.SandboxError | None = None
        try:
            header, blobs = wire.grader_recv(child.reader, deadline, self.limits.reply_mb * 1024 * 1024)
        except wire.Deadline:
            if deadline >= self.deadline:
                problem = errors.SubmissionTimeLimit(self._submission_time_text())
            else:
                problem = errors.ImportFailed(
                    f"importing {self._files_text()} took longer than {self.limits.import_s:g} s and was stopped "
                    "(a long computation or an endless loop at the top level of a module?)")
        except wire.ChannelClosed:
            status = child.child_status(3)
            if "error" not in child.events:
                try:
                    self._died(child, status)
                except errors.Interrupted:
                    child.close()
                    raise
            if "error" in child.events:
                problem = errors.SetupFailed(child.events["error"])
            else:
                problem = errors.ImportFailed(f"importing {self._files_text()} failed: "
                                              f"{errors.describe_status(status, self.limits)}")
        except wire.ProtocolError as exc:
            problem = errors.ImportFailed(f"importing {self._files_text()} sent the grader data it could not read ({exc})")
        if problem is None and header.get("setup"):
            error = header.get("error") if type(header.get("error")) is dict else {}
            problem = errors.SetupFailed(f"the sandbox could not start: {str(error.get('message'))[:300]}")
        elif problem is None and header.get("ok") is not True:
            exc = errors.remote_exception(header.get("error"), self.limits)
            problem = errors.ImportFailed(f"importing {self._files_text()} failed: {type(exc).__name__}: {exc}")
        if problem is not None:
            child.close()
            self.events.append(str(problem))
            self.sticky = problem
            raise problem
        value = header.get("value") if type(header.get("value")) is dict else {}
        self.info = value
        self.mode = child.events.get("mode", "")
        self.child = child
        return child

    def _submission_time_text(self) -> str:
        return (f"grading this submission took longer than its {self.limits.submission_s:g} s limit; "
                "the remaining tests were not run")

    # --- requests ------------------------------------------------------------------------------
    def request(self, op: str, *, target=None, **fields):
        """One round trip to the child: the decoded value, or the student's exception raised."""
        if self.sticky is not None:
            raise self.sticky
        if self.broken is not None:
            raise self.broken
        if self.group in self.gave_up:
            raise self.gave_up[self.group]
        if time.monotonic() >= self.deadline:
            self.sticky = errors.SubmissionTimeLimit(self._submission_time_text())
            self._stop()
            raise self.sticky
        if target is not None and target._remote_gen != self.generation:
            raise errors.StaleObject("an object your code created earlier is gone: the process that held it was "
                                     "stopped after a crash or time limit")
        child = self._start()
        request = {"op": op, "target": None if target is None else target._remote_id, **fields}
        if self._released:
            request["release"], self._released = self._released, []
        snapshot = _rng_snapshot()
        if self._rng_seen is None or not _rng_equal(snapshot, self._rng_seen):
            request["rng"] = {"torch": snapshot[0], "numpy": snapshot[1], "random": snapshot[2]}
        data, outputs = proxy.dumps(request, self)
        self._rng_seen = snapshot
        sent = time.monotonic()
        budget = self.test_budget if self.test_budget is not None else self.limits.test_s
        deadline = min(sent + max(budget, 0.0), self.deadline)
        try:
            try:
                wire.grader_send(child.sock, data, deadline)
                header, blobs = wire.grader_recv(child.reader, deadline, self.limits.reply_mb * 1024 * 1024)
            finally:
                if self.test_budget is not None:
                    self.test_budget -= time.monotonic() - sent
        except wire.Deadline:
            if deadline >= self.deadline:
                self._fail(errors.SubmissionTimeLimit(self._submission_time_text()))
            self._fail(errors.TimeLimit(
                f"stopped after {self.limits.test_s:g} s: this test's calls into your code took too long "
                "(an endless loop, or far too slow?)"))
        except wire.ChannelClosed:
            status = child.child_status(3)
            self._died(child, status)
            self._fail(errors.ProcessDied(errors.describe_status(status, self.limits)))
        except wire.ProtocolError as exc:
            self._fail(errors.BadReply(f"your code sent the grader a reply it could not read ({exc}); "
                                       "was the grader's channel tampered with?"))
        name = getattr(target, "_remote_name", "") if op in ("call", "steps") else ""
        return self._outcome(header, blobs, request, outputs, name if name and not name.endswith("_") else "")

    def path_argument(self, path: Path, outputs: dict) -> tuple:
        """How a ``Path`` argument travels (see ``proxy.ArgPickler``)."""
        path = path.absolute()
        try:
            return ("path_sub", str(path.resolve().relative_to(self.folder.resolve())))
        except ValueError:
            pass
        if path.is_file():
            st = path.stat()
            cached = self._paths.get(str(path))
            if cached and cached[:2] == (st.st_mtime_ns, st.st_size):
                return ("path_cached", cached[2])
            key = self._next_key()
            self._paths[str(path)] = (st.st_mtime_ns, st.st_size, key, path.name)
            return ("path_in", key, path.name, path.read_bytes())
        if path.is_dir():
            return ("path_in", self._next_key(), path.name, collect_files(path, self.limits))
        if path.parent.is_dir():
            key = self._next_key()
            outputs[key] = path
            return ("path_out", key, path.name)
        return ("path_missing", str(path))

    def _next_key(self) -> int:
        self._key += 1
        return self._key

    def _outcome(self, header: dict, blobs: list[bytes], request: dict, outputs: dict | None = None,
                 keep_inputs: str = ""):
        """``keep_inputs``: the name of a function that may not change its tensor arguments."""
        decoder = Decoder(blobs, lambda node: proxy.make_remote(self, node))
        changed: list[str] = []
        try:
            if type(header.get("ok")) is not bool:
                raise wire.ProtocolError("reply without 'ok'")
            value = decoder.decode(header.get("value")) if header["ok"] else None
            changed = self._apply_sync(header.get("sync"), decoder, request, keep_inputs)
            self._apply_rng(header.get("rng"), decoder)
            self._apply_files(header.get("files"), decoder, outputs or {})
        except wire.ProtocolError as exc:
            self._fail(errors.BadReply(f"your code sent the grader a reply it could not read ({exc}); "
                                       "was the grader's channel tampered with?"))
        if header["ok"] and changed:
            raise expect.changed_inputs(keep_inputs, changed)
        if header["ok"]:
            return value
        exc = errors.remote_exception(header.get("error"), self.limits)
        if isinstance(exc, SubmissionImportError) and self.info.get("errors"):
            raise errors.ModuleBroken(str(exc))
        raise exc

    def _apply_sync(self, sync, decoder: Decoder, request: dict, keep_inputs: str = "") -> list[list]:
        """Apply what the call changed in place in its arguments (see ``child.sync_node``); with
        ``keep_inputs``, plain tensors keep their values: returns the arguments that changed."""
        kept: list[list] = []
        if sync is None:
            return kept
        if type(sync) is not list:
            raise wire.ProtocolError("bad sync list")
        for entry in sync[:1000]:
            if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not list:
                raise wire.ProtocolError("bad sync entry")
            path, node = entry
            obj = _follow(request, path)
            tag = node.get("$") if type(node) is dict else None
            if isinstance(obj, torch.nn.Module) and tag == "module":
                self._sync_module(obj, node, decoder)
            elif isinstance(obj, torch.optim.Optimizer) and tag == "optimizer":
                try:
                    obj.load_state_dict(decoder.decode(node.get("state")))
                except (ValueError, KeyError, TypeError, RuntimeError, IndexError):
                    raise wire.ProtocolError("bad optimizer state") from None
            elif type(obj) is torch.Generator and tag == "tensor":
                new = decoder.decode(node)
                try:
                    obj.set_state(new)
                except (RuntimeError, TypeError):
                    raise wire.ProtocolError("bad generator state") from None
            elif type(obj) is torch.Tensor and tag == "tensor" and keep_inputs:
                decoder.decode(node)  # well-formed, but the test's tensor keeps its value
                kept.append(path)
            elif type(obj) in (torch.Tensor, torch.nn.Parameter) and tag == "tensor":
                _copy_into(obj, decoder.decode(node))
            else:
                raise wire.ProtocolError("sync value does not fit its argument")
        return kept

    @staticmethod
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
            raise wire.ProtocolError(f"bad module state ({type(exc).__name__})") from None

    def _apply_files(self, files, decoder: Decoder, outputs: dict) -> None:
        """Files the call wrote at output paths it was given: copy them to the test's paths."""
        if files is None:
            return
        if type(files) is not list:
            raise wire.ProtocolError("bad file list")
        for entry in files:
            if type(entry) is not list or len(entry) != 2 or entry[0] not in outputs:
                raise wire.ProtocolError("bad file entry")
            data = decoder._blob({"b": entry[1]})
            outputs[entry[0]].write_bytes(data)

    def _apply_rng(self, rng, decoder: Decoder) -> None:
        if rng is None:
            return
        if type(rng) is not dict:
            raise wire.ProtocolError("bad rng")
        try:
            if "torch" in rng:
                state = decoder.decode(rng["torch"])
                if type(state) is not torch.Tensor or state.dtype != torch.uint8:
                    raise wire.ProtocolError("bad torch rng state")
                torch.set_rng_state(state)
            if "numpy" in rng:
                n = rng["numpy"]
                keys = decoder.decode(n["keys"])
                if type(keys) is not np.ndarray or keys.dtype != np.uint32 or keys.shape != (624,):
                    raise wire.ProtocolError("bad numpy rng state")
                np.random.set_state(("MT19937", keys, int(n["pos"]), int(n["has_gauss"]), float(n["cached"])))
            if "random" in rng:
                r = rng["random"]
                state = r["state"]
                if type(state) is not list or len(state) != 625 or not all(type(v) is int for v in state):
                    raise wire.ProtocolError("bad random state")
                gauss = r["gauss"]
                random.setstate((int(r["version"]), tuple(state), None if gauss is None else float(gauss)))
        except (KeyError, TypeError, ValueError, RuntimeError):
            raise wire.ProtocolError("bad rng state") from None
        self._rng_seen = _rng_snapshot()


def _copy_into(target: torch.Tensor, new) -> None:
    if type(new) not in (torch.Tensor, torch.nn.Parameter):
        raise wire.ProtocolError("sync value is not a tensor")
    with torch.no_grad():
        if target.shape != new.shape:
            target.resize_(new.shape)
        target.copy_(new.to(target.dtype))


def _follow(request: dict, path: list):
    """The argument object at ``path`` (``["a", i, ...]`` or ``["k", name, ...]``, see ``child.walk``)."""
    if not path or path[0] not in ("a", "k"):
        raise wire.ProtocolError("bad sync path")
    obj = list(request.get("args", ())) if path[0] == "a" else request.get("kwargs", {})
    for step in path[1:]:
        try:
            if type(step) is int and type(obj) in (list, tuple):
                obj = obj[step]
            elif type(step) is str and type(obj) is dict:
                obj = obj[step]
            else:
                raise wire.ProtocolError("bad sync path")
        except (IndexError, KeyError):
            raise wire.ProtocolError("bad sync path") from None
    if not (type(obj) in (torch.Tensor, torch.nn.Parameter, torch.Generator)
            or isinstance(obj, (torch.nn.Module, torch.optim.Optimizer))) or isinstance(obj, proxy.RemoteObject):
        raise wire.ProtocolError("sync path does not name an argument that can change in place")
    return obj
