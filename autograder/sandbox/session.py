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

import shutil
import time
from pathlib import Path

from .. import expect
from ..explain import SubmissionImportError
from . import errors, jail, proxy, sync, wire
from .files import SANDBOX_NAME, collect_files, safe_name, staging_folder, write_files
from .limits import Limits
from .values import Decoder

RESET_S = 5.0


class Session:
    """The sandbox of one submission; ``request`` is what the proxies call."""

    def __init__(self, spawner, folder: Path, modules, limits: Limits | None = None, *,
                 files: dict[str, bytes] | None = None, name: str | None = None, isolate: str = "auto",
                 readable: list[str] | None = None, warm: tuple[str, ...] = ()):
        self.spawner = spawner
        self.warm = tuple(warm)
        self.folder = Path(folder)
        self.modules = list(modules)
        self.limits = limits or Limits()
        self.name = safe_name(name or self.folder.name)
        self.isolate = isolate
        self.readable = readable if readable is not None else jail.readable_paths()
        self.base = staging_folder()
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
        spec = jail.Spec(base=str(self.base), name=SANDBOX_NAME, modules=tuple(self.modules), limits=self.limits,
                         readable=tuple(self.readable), isolate=self.isolate, warm=self.warm)
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
        snapshot = sync.rng_snapshot()
        if self._rng_seen is None or not sync.rng_equal(snapshot, self._rng_seen):
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
            changed = sync.apply_sync(header.get("sync"), decoder, request, keep_inputs,
                                      is_remote=lambda obj: isinstance(obj, proxy.RemoteObject))
            sync.apply_rng(header.get("rng"), decoder)
            if header.get("rng") is not None:
                self._rng_seen = sync.rng_snapshot()
            sync.apply_files(header.get("files"), decoder, outputs or {})
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
