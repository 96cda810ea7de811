"""The three processes of a sandbox and what confines them: namespaces, a minimal root file
system, limits, no privileges.

Three processes per sandbox, each forked from the one above (A from the fork server, see
``forkserver.py``), each a function here, coded next to this description:

    A  outer   (:func:`outer`) root, in the host namespaces. ``unshare``s new pid, mount, network, IPC and UTS
               namespaces (and a user namespace when not root), forks B, reports B's pid and
               exit status on the status pipe. Dies with the fork server (PDEATHSIG).
    B  init    (:func:`init`) pid 1 of the new pid namespace, root there. Builds the new root (``build_root``),
               forks C, reaps orphans, reports C's raw wait status, and exits when C does --
               which makes the kernel kill every process left in the namespace.
    C  student (:func:`student`) drops to an unprivileged uid of its own (``enter``) and runs
               ``child.serve``.

A, B and C write one line per event on the status pipe the grader reads (``forkserver.Spawned``):
``mode M``, ``pid B``, ``cpid C``, ``child STATUS`` (C's raw wait status, written by B), ``end
STATUS`` (B's, written by A), ``error TEXT`` (setup failed). Every A dies with the fork server
(PDEATHSIG), every B with its A, and with B the whole pid namespace. What a sandbox is made of
travels as a :class:`Spec` (the fork server's memory is inherited by every later child: nothing in
it names a student).

The new root is a size-limited tmpfs holding only read-only binds of the Python installation,
the system libraries, a few files of ``/etc`` and ``/dev``, a fresh ``/proc``, a writable
``/tmp`` and the copy of the submission at ``/grading/<name>``: solutions, hidden tests, other
students and the grader's output do not exist there. Landlock (when the kernel has it) adds
a second wall: file access limited to that tree, TCP denied, signals and abstract sockets
scoped to the sandbox. Which isolation took effect is
reported on the status pipe (``mode``).
"""
from __future__ import annotations

import dataclasses
import importlib
import os
import resource
import shutil
import signal
import socket
import stat
import sys
from dataclasses import dataclass

from .. import environment
from . import linux
from .limits import Limits

UID_BASE = 2_000_000_000  # + pid of A: a user of its own per sandbox, far from real users
GRADING_DIR = "/grading"
ETC_FILES = ("ld.so.cache", "ld.so.conf", "localtime", "passwd", "group", "nsswitch.conf", "hosts", "mime.types")
DEV_FILES = ("null", "zero", "full", "random", "urandom")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
CHILD_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp",
    "XDG_CACHE_HOME": "/tmp/.cache",
    "PYTHONDONTWRITEBYTECODE": "1",
    "OMP_NUM_THREADS": "1",
}

NAMESPACES = linux.CLONE_NEWPID | linux.CLONE_NEWNS | linux.CLONE_NEWNET | linux.CLONE_NEWIPC | linux.CLONE_NEWUTS


HIDE_ENV = environment.name("SANDBOX_HIDE")  # os.pathsep-separated folders to leave out (tests of the preflight)


@dataclass(frozen=True)
class Spec:
    """One sandbox: what the grader asks for (``base`` .. ``isolate``) and what process A found
    (``mode``, ``uid``; filled in with :meth:`found`)."""

    base: str                    # staging folder: root/ (the new root), files/ (the submission)
    name: str                    # the code folder's name inside the sandbox (/grading/<name>)
    modules: tuple[str, ...]     # graded module files, imported by C
    limits: Limits
    readable: tuple[str, ...]    # host paths bound read-only (``readable_paths``)
    env: tuple[tuple[str, str], ...] = ()  # added to ``CHILD_ENV``
    isolate: str = "auto"        # "auto", "userns" (a user namespace even as root) or "none"
    landlock: bool = True
    warm: tuple[str, ...] = ()   # modules the fork server imports once after forking this sandbox (a speed-up)
    mode: str = ""               # "root", "userns" or "none": the isolation that took effect
    uid: int | None = None       # C's own user, or None (no uid drop)

    def found(self, mode: str) -> "Spec":
        return dataclasses.replace(self, mode=mode, uid=sandbox_uid(mode, self.readable))

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["limits"] = self.limits.to_dict()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Spec":
        data = dict(data)
        data["limits"] = Limits.from_dict(data.get("limits"))
        for key in ("modules", "readable", "warm"):
            data[key] = tuple(data.get(key, ()))
        data["env"] = tuple(tuple(pair) for pair in data.get("env", ()))
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def report(fd: int, line: str) -> None:
    """One event line on the status pipe (never raises: the grader may be gone)."""
    try:
        os.write(fd, (line.replace("\n", " ") + "\n").encode())
    except OSError:
        pass


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _secret_roots() -> list[str]:
    """Folders whose content the child must never see: the course (solutions, hidden tests)."""
    from ..course import course_root

    root = str(course_root())
    return [root, os.path.realpath(root)]


def library_paths() -> list[str]:
    """Every folder this (trusted) Python imports from, as it names them (symlinks not resolved):
    the installation (prefixes, standard library, site-packages, user site-packages) and every
    other ``sys.path`` folder, except the course's own folders and the working directory.

    A virtual environment inside the course folder (``.venv``) counts as installation; nothing
    else under the course root does, and no folder that contains the course root. Nor does a
    folder that holds the temporary folder (a script run from ``/tmp`` puts ``/tmp`` on
    ``sys.path``): every sandbox's scratch copy of a submission lives there.
    """
    import site
    import sysconfig

    install = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    install.update(sysconfig.get_paths().values())
    install.update(site.getsitepackages())
    if site.ENABLE_USER_SITE and site.USER_SITE in sys.path:
        install.add(site.USER_SITE)
    import tempfile

    secret = _secret_roots()
    scratch = [tempfile.gettempdir(), os.path.realpath(tempfile.gettempdir())]
    found = []
    for p in [*install, *sys.path]:
        if not p or not os.path.isabs(p) or not os.path.isdir(p):
            continue
        p = os.path.normpath(p)
        if any(_inside(s, p) for s in secret):
            continue  # the course root or a folder above it
        if p not in install and any(_inside(s, p) for s in scratch):
            continue  # /tmp itself (or a folder above it): other submissions' scratch copies
        if p not in install and any(_inside(p, s) or _inside(os.path.realpath(p), s) for s in secret):
            continue  # the course's own folders (tests/, the course root on PYTHONPATH)
        found.append(p)
    return list(dict.fromkeys(found))


def python_paths() -> list[str]:
    """Folders the child's Python needs to read, each as named and as resolved, so that paths on
    ``sys.path`` and paths a library resolves (``realpath(__file__)``) both exist in the new root.
    A folder visible through an earlier one (same real location below it) is left out.
    """
    hidden = [os.path.normpath(p) for p in (environment.get("SANDBOX_HIDE") or "").split(os.pathsep) if p]
    candidates = set()
    for p in library_paths():
        candidates.update((p, os.path.realpath(p)))
    out: list[str] = []
    for p in sorted(candidates, key=lambda q: (len(q), q)):
        if any(_inside(p, h) for h in hidden):
            continue
        real = os.path.realpath(p)
        if not any(_visible_through(p, q, real) for q in out):
            out.append(p)
    return out


def _visible_through(path: str, bound: str, real: str) -> bool:
    """Whether ``path`` (resolving to ``real``) is shown by binding ``bound``'s target at ``bound``."""
    return _inside(path, bound) and os.path.normpath(
        os.path.join(os.path.realpath(bound), os.path.relpath(path, bound))) == real


def hidden_paths() -> list[str]:
    """The folders of :func:`library_paths` that the sandbox would not show (should be none)."""
    shown = python_paths()
    return [p for p in library_paths() if not any(_visible_through(p, q, os.path.realpath(p)) for q in shown)]


def readable_paths(extra=()) -> list[str]:
    """Paths bound read-only into the sandbox, each at the path it has on the host; the folder
    bound there is its resolved target (a venv reached through a symlink, a conda env, ...)."""
    paths = [p for p in SYSTEM_DIRS if os.path.lexists(p)] + python_paths()
    paths += [os.path.realpath(p) for p in extra if os.path.exists(p)]
    return list(dict.fromkeys(paths))


def world_readable(paths) -> bool:
    """Whether a user of no group could reach and read ``paths`` (without a new root file system)."""
    for path in paths:
        parts = os.path.realpath(path).split(os.sep)
        for i in range(1, len(parts) + 1):
            prefix = os.sep.join(parts[:i]) or os.sep
            try:
                mode = os.stat(prefix).st_mode
            except OSError:
                return False
            if not mode & stat.S_IXOTH or (i == len(parts) and not mode & stat.S_IROTH):
                return False
    return True


def sandbox_uid(mode: str, readable) -> int | None:
    """A user of its own for this sandbox when we are root; without a new root file system only if
    that user can still read the Python installation (else the child stays uid 0 without capabilities)."""
    if os.geteuid() != 0 or mode == "userns":
        return None
    if mode == "none" and not world_readable(python_paths()):
        return None
    return UID_BASE + os.getpid()


# --- A: the outer process --------------------------------------------------------------------
def outer(spec: Spec, sock_fd: int, status_fd: int, preload=()) -> None:
    """Process A: new namespaces, fork B, report B's pid and, when it ends, its status.
    ``preload``: modules to import first (already imported in a warm fork server)."""
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for name in preload:
        importlib.import_module(name)
    mode = "none" if spec.isolate == "none" else unshare_namespaces(user_namespace=spec.isolate == "userns")
    spec = spec.found(mode)
    report(status_fd, f"mode {mode}")
    b = os.fork()
    if b == 0:
        try:
            init(spec, sock_fd, status_fd)
        except BaseException as exc:  # noqa: BLE001
            report(status_fd, f"error sandbox setup failed: {type(exc).__name__}: {exc}")
        os._exit(70)
    os.close(sock_fd)
    report(status_fd, f"pid {b}")
    while True:
        try:
            _, status = os.waitpid(b, 0)
            break
        except InterruptedError:
            continue
    report(status_fd, f"end {status}")


def unshare_namespaces(*, user_namespace: bool = False) -> str:
    """Enter new namespaces; returns "root" (host root), "userns" (a user namespace, as an
    unprivileged user has to; ``user_namespace`` forces it for tests) or "none"."""
    if os.geteuid() == 0 and not user_namespace:
        try:
            linux.unshare(NAMESPACES)
            return "root"
        except OSError:
            return "none"
    uid, gid = os.geteuid(), os.getegid()
    try:
        linux.unshare(NAMESPACES | linux.CLONE_NEWUSER)
    except OSError:
        return "none"
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"0 {gid} 1")
    return "userns"


# --- B: init of the new namespaces -------------------------------------------------------------
def init(spec: Spec, sock_fd: int, status_fd: int) -> None:
    """Process B: build the new root, fork C, reap orphans until C ends, report C's status."""
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    if spec.mode in ("root", "userns"):
        build_root(spec)
    elif spec.uid is not None:
        for d, _dirs, files in os.walk(os.path.join(spec.base, "files")):
            os.chown(d, spec.uid, spec.uid)
            for f in files:
                os.chown(os.path.join(d, f), spec.uid, spec.uid)
        os.chmod(spec.base, 0o711)
    c = os.fork()
    if c == 0:
        os.close(status_fd)
        student(spec, sock_fd)
        os._exit(0)
    os.close(sock_fd)
    report(status_fd, f"cpid {c}")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)
    while True:  # reap orphans until C is gone; then the namespace dies with us
        try:
            pid, status = os.wait()
        except InterruptedError:
            continue
        except ChildProcessError:
            return
        if pid == c:
            report(status_fd, f"child {status}")
            return


def _bind(source: str, target: str, *, writable: bool = False) -> None:
    linux.mount(source, target, None, linux.MS_BIND | linux.MS_REC)
    flags = linux.MS_REMOUNT | linux.MS_BIND | linux.MS_NOSUID | linux.MS_NODEV
    if not writable:
        flags |= linux.MS_RDONLY
    if os.statvfs(source).f_flag & os.ST_NOEXEC:
        flags |= linux.MS_NOEXEC  # a locked flag may not be cleared in a user namespace
    if source.startswith("/dev/"):
        flags &= ~linux.MS_NODEV
    linux.mount(None, target, None, flags)


def _mount_point(root: str, path: str, *, is_dir: bool) -> str:
    target = root + path
    os.makedirs(target if is_dir else os.path.dirname(target), exist_ok=True)
    if not is_dir and not os.path.exists(target):
        open(target, "w").close()
    return target


def build_root(spec: Spec) -> None:
    """Make ``spec.base/root`` a tmpfs holding only what the child may see, and pivot into it."""
    base, name = spec.base, spec.name
    root = os.path.join(base, "root")
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    linux.mount("sandbox", root, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV,
                f"size={int(spec.limits.scratch_mb)}m,mode=755")
    for path in spec.readable:
        if os.path.islink(path) and path in SYSTEM_DIRS:  # merged /usr: /bin -> usr/bin
            os.symlink(os.readlink(path), root + path)
            continue
        source = os.path.realpath(path)
        if os.path.isdir(source):
            _bind(source, _mount_point(root, path, is_dir=True))
    for name_ in ETC_FILES:
        host = f"/etc/{name_}"
        if os.path.isfile(host):
            _bind(host, _mount_point(root, host, is_dir=False))
    for dev in DEV_FILES:
        host = f"/dev/{dev}"
        if os.path.exists(host):
            _bind(host, _mount_point(root, host, is_dir=False), writable=True)
    for d, mode in (("/tmp", 0o1777), ("/dev/shm", 0o1777), ("/proc", 0o555), (GRADING_DIR, 0o755)):
        os.makedirs(root + d, exist_ok=True)
        os.chmod(root + d, mode)
    for link, to in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                     ("stderr", "/proc/self/fd/2")):
        os.symlink(to, f"{root}/dev/{link}")
    code = f"{root}{GRADING_DIR}/{name}"
    shutil.copytree(os.path.join(base, "files"), code, symlinks=False)
    uid = spec.uid
    if uid is not None:
        for d, _dirs, files in os.walk(code):
            os.chown(d, uid, uid)
            for f in files:
                os.chown(os.path.join(d, f), uid, uid)
    linux.mount("proc", root + "/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)
    old = root + "/.old"
    os.mkdir(old)
    linux.pivot_root(root, old)
    os.chdir("/")
    linux.umount2("/.old", linux.MNT_DETACH)
    os.rmdir("/.old")
    linux.sethostname("sandbox")


# --- C: the process that runs student code -----------------------------------------------------
def student(spec: Spec, sock_fd: int) -> None:
    """Process C: confine itself (:func:`enter`), then serve the grader's requests (``child.serve``)."""
    from . import child, wire

    sock = socket.socket(fileno=sock_fd)
    try:
        workdir = enter(spec, sock_fd)
    except BaseException as exc:  # noqa: BLE001 - tell the grader, which shows it
        wire.child_send(sock, {"ok": False, "setup": True,
                               "error": {"type": "SandboxSetupError", "message": f"{type(exc).__name__}: {exc}"}}, [])
        os._exit(71)
    pidns = spec.mode in ("root", "userns")
    child.serve(sock, workdir, list(spec.modules), can_kill_all=pidns and spec.uid is not None or spec.mode == "userns")


def _vm_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def set_limits(limits: Limits, *, uid_drop: bool) -> None:
    """Kernel limits; memory is counted on top of what the (torch-loaded) process already maps.
    ``uid_drop``: the process is about to become a user of its own (whose process count is its own)."""
    extra = int(limits.memory_mb) * 1024 * 1024
    pairs = {
        resource.RLIMIT_AS: _vm_kb("VmSize") * 1024 + extra,
        resource.RLIMIT_DATA: _vm_kb("VmData") * 1024 + extra,
        resource.RLIMIT_CPU: int(limits.cpu_s),
        resource.RLIMIT_FSIZE: int(limits.file_mb) * 1024 * 1024,
        resource.RLIMIT_NOFILE: int(limits.open_files),
        resource.RLIMIT_CORE: 0,
    }
    if os.geteuid() != 0 or uid_drop:
        pairs[resource.RLIMIT_NPROC] = int(limits.processes)
    for which, soft in pairs.items():
        hard = soft + 2 if which == resource.RLIMIT_CPU else soft
        _, old_hard = resource.getrlimit(which)
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        resource.setrlimit(which, (soft, hard))


def landlock_rules(spec: Spec, workdir: str) -> list[tuple[str, int]]:
    read, rw = linux.FS_READ, linux.fs_all(linux.landlock_abi())
    dev = linux.FS_READ_FILE | linux.FS_WRITE_FILE | linux.FS_IOCTL_DEV
    if spec.mode in ("root", "userns"):
        rules = [("/", read)]
    else:
        rules = [(p, read) for p in spec.readable] + [(f"/etc/{f}", read) for f in ETC_FILES]
        rules.append(("/proc/self", read))
    rules += [(f"/dev/{d}", dev) for d in DEV_FILES]
    rules += [(workdir, rw), ("/dev/shm", rw)]
    if spec.mode in ("root", "userns"):
        rules.append(("/tmp", rw))
    return rules


def enter(spec: Spec, keep_fd: int) -> str:
    """Become the confined student process; returns the working directory (the code folder)."""
    uid = spec.uid
    if spec.mode in ("root", "userns"):
        workdir = f"{GRADING_DIR}/{spec.name}"
    else:
        workdir = os.path.join(spec.base, "files")
    os.chdir(workdir)
    os.setsid()
    os.environ.clear()
    os.environ.update(CHILD_ENV)
    os.environ.update(dict(spec.env))
    if spec.mode == "none":
        os.environ.update(HOME=workdir, TMPDIR=workdir, MPLCONFIGDIR=workdir, XDG_CACHE_HOME=workdir)
    import tempfile

    tempfile.tempdir = None
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 65536)
    set_limits(spec.limits, uid_drop=uid is not None)
    linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
    abi = linux.landlock_abi() if spec.landlock else 0
    if abi:
        linux.landlock_restrict(abi, landlock_rules(spec, workdir), deny_tcp=True, scope=True)
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    elif os.geteuid() == 0:  # root without a user of its own, or root of a user namespace: no capabilities left
        linux.drop_all_capabilities()
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    return workdir
