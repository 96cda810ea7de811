"""A warm process that has imported torch and the child runtime, and forks sandboxes on request.

The server loop and its client, in one room. Started by the trusted grader (:class:`ForkServer`)
as ``python -m autograder.sandbox.forkserver FD [--cold]`` with a minimal environment (what a
child could read back from ``/proc/self/environ``). ``FD`` is a ``SOCK_SEQPACKET`` socket, which
keeps message boundaries (so no length prefix): one JSON message per request,

    grader -> server   {"spawn": jail.Spec as JSON}   with two file descriptors attached
                       (SCM_RIGHTS): the child's end of a fresh socketpair and the write end of
                       a status pipe
    server -> grader   {"ready": pid} once, then {"spawned": pid} per request

The server forks process A (``jail.outer``; the three processes and their status lines are
described in ``jail.py``) for each request and forgets it (SIGCHLD is ignored, so A is reaped by
the kernel). The server exits when the grader closes its end, and every A dies with it.
:class:`Spawned` is the grader's view of one sandbox (its socket and status pipe).

``--cold`` skips the preload: the measurement of what a per-submission interpreter costs.
"""
from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

from . import jail, wire

PRELOAD = ("torch", "numpy", "autograder.sandbox.child")
# Imported right after the first sandbox is forked (so the first one is not delayed), and found loaded by
# the later children: every torch.optim optimizer imports torch._dynamo on construction (2-4 s, with
# sympy). An assignment adds its own (assignment.toml's ``warm``, sent as ``Spec.warm``): a4's
# lightning.pytorch (about 3 s per a4 child), imported after the first a4 sandbox only, so that
# grading another assignment does not pay for it. It imports pyplot (through torchmetrics): a notebook
# run in a child switches an already imported pyplot to its inline backend (plotcheck.HOOK), so the
# figures of `review --execute` are the same with or without it.
LATE_PRELOAD = ("torch._dynamo",)
READY_TIMEOUT_S = 300.0


# --- server side ---------------------------------------------------------------------------------
def serve(ctl_fd: int, cold: bool) -> None:
    ctl = socket.socket(fileno=ctl_fd)
    if not cold:
        for name in PRELOAD:
            importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ctl.send(json.dumps({"ready": os.getpid()}).encode())
    late = () if cold else LATE_PRELOAD
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(ctl, 1 << 20, 2)
        except OSError:
            break
        if not msg:
            break
        try:
            spec = jail.Spec.from_json(json.loads(msg)["spawn"])
        except (ValueError, KeyError, TypeError):
            for fd in fds:
                os.close(fd)
            continue
        pid = os.fork()
        if pid == 0:
            try:
                ctl.close()
                jail.outer(spec, fds[0], fds[1], preload=PRELOAD)  # the preload is a no-op when warm
            except BaseException as exc:  # noqa: BLE001
                jail.report(fds[1], f"error sandbox setup failed: {type(exc).__name__}: {exc}")
            os._exit(0)
        for fd in fds:
            os.close(fd)
        ctl.send(json.dumps({"spawned": pid}).encode())
        for name in (*late, *(() if cold else spec.warm)):
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except ImportError:  # a speed-up only: a child that needs it imports it itself
                pass
        late = ()


# --- grader side ---------------------------------------------------------------------------------
def server_env() -> dict:
    """The fork server's whole environment: nothing a child should learn from /proc/self/environ.

    Its ``sys.path`` is this process's library folders (``jail.library_paths``: wherever the
    environment lives, through symlinks, PYTHONPATH or the user site) after the course root, so
    the children import what the grader imports and ``jail`` shows them those folders.
    """
    import site

    from ..course import course_root

    libraries = set(jail.library_paths())
    imported_from = [os.path.normpath(p) for p in sys.path if p and os.path.normpath(p) in libraries]
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/tmp",
        "PYTHONPATH": os.pathsep.join(dict.fromkeys([str(course_root()), *imported_from])),
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "CUDA_VISIBLE_DEVICES": "",
    }
    if site.ENABLE_USER_SITE and site.USER_SITE in sys.path:
        env["PYTHONUSERBASE"] = site.USER_BASE  # its .pth files too (HOME differs here)
    else:
        env["PYTHONNOUSERSITE"] = "1"
    for key in ("LD_LIBRARY_PATH", "DLCOURSE_DATA_DIR"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


class Spawned:
    """The grader's view of one sandbox: its socket, status pipe and pids."""

    def __init__(self, sock: socket.socket, status_fd: int, owner=None):
        self.sock = sock
        self.reader = wire.Reader(sock)
        self.status_fd = status_fd
        self.owner = owner  # a cold server to close with the child
        self.events: dict[str, str] = {}
        self._buffer = b""
        self.killed = False
        self.pidfd: int | None = None

    def poll_status(self, wait_s: float = 0.0) -> None:
        """Read the status lines available, waiting up to ``wait_s`` for the first."""
        import select

        if self.status_fd is None:
            return
        timeout = wait_s
        while select.select([self.status_fd], [], [], timeout)[0]:
            timeout = 0.0
            chunk = os.read(self.status_fd, 65536)
            if not chunk:
                self.events.setdefault("closed", "")
                return
            self._buffer += chunk
            *lines, self._buffer = self._buffer.split(b"\n")
            for line in lines:
                key, _, value = line.decode(errors="replace").partition(" ")
                self.events.setdefault(key, value)
                if key == "pid" and self.pidfd is None:
                    try:  # a pidfd cannot hit a recycled pid when we kill later
                        self.pidfd = os.pidfd_open(int(value))
                    except (OSError, ValueError, AttributeError):
                        pass

    def wait_started(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while "pid" not in self.events and "error" not in self.events and "closed" not in self.events:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.poll_status(min(left, 0.5))

    def kill(self) -> None:
        """SIGKILL B, the init of the sandbox's pid namespace: the kernel then kills everything in it."""
        self.poll_status()
        self.killed = True
        if "end" in self.events:
            return
        try:
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            elif "pid" in self.events:
                os.kill(int(self.events["pid"]), signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
        if self.events.get("mode") == "none" and "cpid" in self.events:  # no namespace: C's process group
            try:
                os.killpg(int(self.events["cpid"]), signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                pass

    def child_status(self, timeout: float) -> int | None:
        """C's raw wait status once known (None if it did not arrive in ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while "child" not in self.events and "end" not in self.events and "closed" not in self.events:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.poll_status(min(left, 0.2))
        value = self.events.get("child", self.events.get("end"))
        return int(value) if value not in (None, "") else None

    def close(self) -> None:
        self.kill()
        try:
            self.sock.close()
        finally:
            for fd in (self.status_fd, self.pidfd):
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            self.status_fd = self.pidfd = None
            if self.owner is not None:
                self.owner.close()
                self.owner = None


class ForkServer:
    """Client of one fork server process. Not thread-safe: one grading thread per server."""

    def __init__(self, *, cold: bool = False):
        self.cold = cold
        self.proc: subprocess.Popen | None = None
        self.ctl: socket.socket | None = None
        self.log = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> "ForkServer":
        import tempfile

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.log = tempfile.TemporaryFile()
        cmd = [sys.executable, "-m", "autograder.sandbox.forkserver", str(theirs.fileno())]
        if self.cold:
            cmd.append("--cold")
        self.proc = subprocess.Popen(cmd, pass_fds=[theirs.fileno()], env=server_env(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log, cwd="/")
        theirs.close()
        self.ctl = ours
        self.ctl.settimeout(READY_TIMEOUT_S)
        try:
            hello = json.loads(self.ctl.recv(4096) or b"{}")
        except (OSError, ValueError):
            hello = {}
        if "ready" not in hello:
            self.close()
            raise RuntimeError(f"the sandbox fork server did not start: {self._log_tail()}")
        return self

    def _log_tail(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else "no output"

    def spawn(self, spec: jail.Spec) -> Spawned:
        if not self.alive:  # never started, or died (a grader fault: the submissions it served are regraded)
            self.close()
            self.start()
        ours, theirs = wire.socketpair()
        read_fd, write_fd = os.pipe()
        try:
            socket.send_fds(self.ctl, [json.dumps({"spawn": spec.to_json()}).encode()], [theirs.fileno(), write_fd])
            reply = json.loads(self.ctl.recv(4096) or b"{}")
        except (OSError, ValueError) as exc:
            os.close(read_fd)
            ours.close()
            raise RuntimeError(f"the sandbox fork server stopped: {exc}") from None
        finally:
            theirs.close()
            os.close(write_fd)
        if "spawned" not in reply:
            os.close(read_fd)
            ours.close()
            raise RuntimeError("the sandbox fork server did not fork")
        return Spawned(ours, read_fd)

    def close(self) -> None:
        if self.ctl is not None:
            self.ctl.close()
            self.ctl = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self.log is not None:
            self.log.close()
            self.log = None


class ColdSpawner:
    """No warm server: a fresh interpreter (and torch import) per sandbox, for comparison."""

    def spawn(self, spec: jail.Spec) -> Spawned:
        server = ForkServer(cold=True).start()
        spawned = server.spawn(spec)
        spawned.owner = server
        return spawned

    def close(self) -> None:
        pass


class WarmSpawner:
    """One warm fork server, started on first use and restarted if it died."""

    def __init__(self):
        self.server = ForkServer()

    def spawn(self, spec: jail.Spec) -> Spawned:
        return self.server.spawn(spec)

    def close(self) -> None:
        self.server.close()


if __name__ == "__main__":
    serve(int(sys.argv[1]), cold="--cold" in sys.argv[2:])
