"""The sandbox: what confines student code on this kernel (proved from inside), the strict
decoder of child replies, and that tests behave the same against a sandboxed submission as
against an in-process one."""
from __future__ import annotations

import errno
import io
import os
import socket
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder import check, course, expect, mutants
from autograder.sandbox import errors, jail, judge, linux, proxy, session, values, wire
from autograder.sandbox.limits import Limits

A3 = course.get("a3_positional_encoding")
ROOT = os.geteuid() == 0

PROBE = '''
import errno, os, resource, socket

def _errno(fn):
    try:
        fn()
        return 0
    except OSError as exc:
        return exc.errno

def facts(port, victim, grader_pid):
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
    return {
        "uid": os.getuid(), "pid": os.getpid(), "ppid": os.getppid(), "hostname": socket.gethostname(),
        "root": sorted(os.listdir("/")), "cwd": os.getcwd(), "env": sorted(os.environ),
        "course": sorted(os.listdir("__ROOT__")) if os.path.isdir("__ROOT__") else None,
        "solutions": os.path.exists("__ROOT__/solutions"),
        "write_root": _errno(lambda: open("/probe", "w")),
        "write_tmp": _errno(lambda: open("/tmp/probe", "w").write("x")),
        "write_victim": _errno(lambda: open(victim, "a")),
        "read_victim": _errno(lambda: open(victim).read()),
        "no_new_privs": status["NoNewPrivs"].strip(), "cap_eff": status["CapEff"].strip(),
        "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "tcp": _errno(lambda: socket.create_connection(("127.0.0.1", port), timeout=2)),
        "udp": _errno(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53))),
        "interfaces": [name for _, name in socket.if_nameindex()],
        "signal_grader": _errno(lambda: os.kill(grader_pid, 0)),
        "rlimits": {name: resource.getrlimit(getattr(resource, name))[0]
                    for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_NOFILE")},
    }
'''

SEMANTICS = '''
import ctypes, random, time
from pathlib import Path
import numpy as np
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
    def forward(self, x):
        return self.fc(x)

class Oops(Exception):
    pass

class Liar(torch.Tensor):
    pass

def raise_value(): raise ValueError("bad value")
def raise_custom(): raise Oops("custom")
def raise_key(): return {}["missing"]
def stub(): raise NotImplementedError("write me")
def draw(n): return torch.randn(n)
def draw_all(): return torch.rand(1).item(), float(np.random.rand()), random.random()
def with_gen(g): return torch.randn(2, generator=g)
def add_one_(t): t += 1
def numbers(n): yield from range(n)
def nested(): return {"a": torch.ones(2), "b": [1, 2.5, "x", None, (3, 4)], 5: np.float32(1.5), "big": 2**80,
                      "nan": float("nan"), "size": torch.Size([2, 3]), "dtype": torch.float16}
def read_file(p): return Path(p).read_text()
def write_file(p): Path(p).write_text("written in the sandbox")
def loop(n):
    s = 0
    for i in range(n):
        s += i
    return s
def zero_d(): return torch.tensor(3.0)
def bf16(): return torch.ones(2, dtype=torch.bfloat16)
def strided(): return torch.arange(12.0).reshape(3, 4).T
def param(): return nn.Parameter(torch.ones(2))
def liar(): return torch.zeros(2).as_subclass(Liar)
def sleep(s): time.sleep(s)
def crash(): ctypes.string_at(0)
def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    optimizer.step()
    model.eval()
    return loss.item()
'''


@pytest.fixture()
def make_session(tmp_path):
    """``make(source) -> (RemoteSubmission, Session)`` for a one-module submission ``mod.py``."""
    made = []

    def make(source: str, limits: Limits | None = None, name: str = "student"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "mod.py").write_text(source)
        s = session.Session(judge.default_spawner(), folder, ["mod.py"], limits or Limits(test_s=20))
        made.append(s)
        return proxy.RemoteSubmission(s, folder), s

    yield make
    for s in made:
        s.close()


# --- confinement, proved from inside the child -----------------------------------------------------
@pytest.mark.skipif(not ROOT, reason="the full sandbox (namespaces, own uid) needs root or user namespaces")
def test_child_is_confined(make_session, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    server = socket.create_server(("127.0.0.1", 0))
    limits = Limits(test_s=20, memory_mb=700, cpu_s=77, processes=9, file_mb=3, open_files=99)
    sub, s = make_session(PROBE.replace("__ROOT__", str(A3.root)), limits)
    f = sub.facts(server.getsockname()[1], str(victim), os.getpid())
    server.close()
    assert s.mode == "root"
    assert f["uid"] >= jail.UID_BASE, "runs as a user of its own"
    assert f["pid"] == 2 and f["ppid"] == 1 and f["processes"] == [1, 2], "alone in a pid namespace"
    assert f["hostname"] == "sandbox"
    assert f["solutions"] is False and f["course"] == [".venv"], "the course folder shows only the Python env"
    assert set(f["root"]) <= {"usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32", "etc", "dev", "proc",
                              "tmp", "grading", "work", "root"} | {p.split("/")[1] for p in jail.python_paths()}
    assert f["cwd"] == "/grading/submission", "the sandbox never names the student"
    assert f["write_root"] in (errno.EACCES, errno.EROFS) and f["write_tmp"] == 0
    assert f["write_victim"] == errno.ENOENT and f["read_victim"] == errno.ENOENT
    assert f["no_new_privs"] == "1" and int(f["cap_eff"], 16) == 0
    assert f["tcp"] != 0 and f["udp"] != 0 and f["interfaces"] == ["lo"]
    assert f["signal_grader"] == errno.ESRCH, "the grader is invisible"
    assert set(f["env"]) <= set(jail.CHILD_ENV), f["env"]
    rl = f["rlimits"]
    assert rl["RLIMIT_CPU"] == 77 and rl["RLIMIT_NPROC"] == 9 and rl["RLIMIT_NOFILE"] == 99
    assert rl["RLIMIT_FSIZE"] == 3 * 2**20 and 0 < rl["RLIMIT_AS"] < 2**48
    assert victim.read_text() == "precious"


def test_landlock_alone_denies_files_and_tcp(tmp_path):
    """Without namespaces (isolate="none"), Landlock still keeps the child inside its folder."""
    if not linux.landlock_abi():
        pytest.skip("this kernel has no Landlock")
    secret = tmp_path / "secret.txt"
    secret.write_text("hidden test")
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "mod.py").write_text(
        "import socket\n"
        "def read(p): return open(p).read()\n"
        "def write(p): open(p, 'w').write('x')\n"
        "def own(): open('mine.txt', 'w').write('ok'); return open('mine.txt').read()\n"
        "def tcp(port): socket.create_connection(('127.0.0.1', port), timeout=2)\n")
    s = session.Session(judge.default_spawner(), folder, ["mod.py"], Limits(test_s=20), isolate="none")
    try:
        sub = proxy.RemoteSubmission(s, folder)
        assert sub.own() == "ok"
        with pytest.raises(PermissionError):
            sub.read(str(secret))
        with pytest.raises(PermissionError):
            sub.write(str(tmp_path / "new.txt"))
        server = socket.create_server(("127.0.0.1", 0))
        with pytest.raises(PermissionError):
            sub.tcp(server.getsockname()[1])
        server.close()
        assert s.mode == "none"
    finally:
        s.close()
    assert not (tmp_path / "new.txt").exists()


# --- the reply channel: plain data only ------------------------------------------------------------------
def _reply(raw: bytes, max_bytes: int = 10**8):
    ours, theirs = wire.socketpair()
    theirs.sendall(raw)
    theirs.close()
    header, blobs = wire.grader_recv(wire.Reader(ours), float("inf"), max_bytes)
    return values.Decoder(blobs, lambda node: pytest.fail("no handle expected")).decode(header["value"])


def _frame(header, blobs=()) -> bytes:
    import json

    raw = header if isinstance(header, bytes) else json.dumps({**header, "blobs": [len(b) for b in blobs]}).encode()
    return struct.pack("!I", len(raw)) + raw + b"".join(blobs)


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_decoder_refuses_everything_but_plain_data(tmp_path):
    import pickle

    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Evil(marker))
    npy = io.BytesIO()
    np.save(npy, np.array([_Evil(marker)], dtype=object), allow_pickle=True)
    crafted = [
        _frame({"ok": True, "value": {"$": "pickle", "b": 0}}, [evil]),
        _frame({"ok": True, "value": {"$": "ndarray", "b": 0, "dtype": "|O", "shape": [1]}}, [evil]),
        _frame({"ok": True, "value": {"$": "ndarray", "b": 0, "dtype": "<f8", "shape": [1]}}, [npy.getvalue()]),
        _frame({"ok": True, "value": {"$": "tensor", "b": 0, "dtype": "float64", "np": "<f8", "shape": [10**6]}},
               [b"\0" * 8]),
        _frame({"ok": True, "value": {"$": "tensor", "b": 0, "dtype": "float32", "np": "<f8", "shape": [1]}},
               [b"\0" * 8]),
        _frame({"ok": True, "value": {"$": "dtype", "v": "__import__('os')"}}),
        _frame({"ok": True, "value": {"$": "device", "v": "cuda:0; rm -rf /"}}),
        _frame({"ok": True, "value": {"$": "dict", "k": [[1]], "v": [2]}}),
        _frame({"ok": True, "value": {"$": "int", "v": "9" * 5000}}),
        _frame(b"[" * 100_000),
        _frame(evil),
        _frame(b'{"ok": true, "value": 1, "blobs": [1000000000000]}'),
        struct.pack("!I", 2**31) + b"{",
    ]
    for raw in crafted:
        with pytest.raises(wire.ProtocolError):
            _reply(raw)
    assert not marker.exists()


def test_values_round_trip_exactly():
    sent = [torch.arange(6.0).reshape(2, 3).T, torch.tensor(3.0), torch.ones(2, dtype=torch.bfloat16),
            torch.tensor([True, False]), torch.tensor([1 + 2j]), np.arange(5, dtype=np.int16), np.float32(2.5),
            {"k": (1, [2.5, None]), 3: "x"}, 2**100, float("-inf"), torch.Size([2, 3]), torch.float64,
            torch.device("cpu"), b"bytes", {1, 2}, frozenset({3})]
    for value in sent:
        enc = values.Encoder(lambda obj: pytest.fail(f"{value!r} should be data"))
        node = enc.encode(value)
        got = values.Decoder(enc.blobs, lambda n: None).decode(node)
        assert type(got) is type(value), value
        if isinstance(value, torch.Tensor):
            assert got.dtype == value.dtype and got.shape == value.shape and torch.equal(got, value)
        elif isinstance(value, np.ndarray | np.generic):
            assert got.dtype == value.dtype and np.array_equal(got, value)
        else:
            assert got == value or value != value


# --- tests behave the same against a sandboxed submission -------------------------------------------------
def test_remote_objects_exceptions_and_data(make_session, tmp_path):
    sub, s = make_session(SEMANTICS)
    model = sub.Net()
    assert isinstance(model, torch.nn.Module) and type(model).__name__ == "Net"
    out = model(torch.ones(4, 3))
    assert type(out) is torch.Tensor and out.shape == (4, 2)
    assert sum(p.numel() for p in model.parameters()) == 8
    assert [n for n, _ in model.named_parameters()] == ["fc.weight", "fc.bias"]
    assert list(sub.numbers(4)) == [0, 1, 2, 3]
    with pytest.raises(TypeError):
        bool(model)
    assert (model == model) and not (model == sub.Net())
    with pytest.raises(ValueError, match="bad value"):
        sub.raise_value()
    with pytest.raises(KeyError):
        sub.raise_key()
    with pytest.raises(errors.RemoteError) as info:
        sub.raise_custom()
    assert type(info.value).__name__ == "Oops" and info.value.remote_where.startswith("mod.py, line")
    with pytest.raises(NotImplementedError, match="write me"):
        sub.stub()
    nested = sub.nested()
    assert torch.equal(nested["a"], torch.ones(2)) and nested["b"] == [1, 2.5, "x", None, (3, 4)]
    assert type(nested[5]) is np.float32 and nested["big"] == 2**80 and nested["size"] == torch.Size([2, 3])
    assert sub.zero_d().shape == () and sub.bf16().dtype == torch.bfloat16
    assert torch.equal(sub.strided(), torch.arange(12.0).reshape(3, 4).T)
    assert type(sub.param()) is torch.nn.Parameter
    liar = sub.liar()
    assert type(liar) is not torch.Tensor and type(liar).__name__ == "Liar"
    with pytest.raises(AssertionError, match="should be a torch.Tensor, got mod.Liar"):
        expect.tensor(liar, "liar")


def test_global_and_explicit_random_state_is_shared_as_in_process(make_session):
    sub, _ = make_session(SEMANTICS)
    torch.manual_seed(0)
    a = sub.draw(3)
    after_remote = torch.rand(1)
    torch.manual_seed(0)
    assert torch.equal(a, torch.randn(3)), "the child drew from the grader's seed"
    assert torch.equal(after_remote, torch.rand(1)), "and advanced the grader's generator as a local call would"
    g = torch.Generator().manual_seed(1)
    first, second = sub.with_gen(g), sub.with_gen(g)
    g2 = torch.Generator().manual_seed(1)
    assert torch.equal(first, torch.randn(2, generator=g2)) and torch.equal(second, torch.randn(2, generator=g2))
    t = torch.zeros(3)
    sub.add_one_(t)
    assert torch.equal(t, torch.ones(3)), "in-place changes of tensor arguments come back"


def test_models_and_optimizers_passed_in_are_changed_in_place_as_in_process(make_session):
    import copy

    sub, _ = make_session(SEMANTICS)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4, bias=False), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 1))  # no bias before BatchNorm: its gradient is rounding noise that Adam would amplify
    twin = copy.deepcopy(model)
    opt, twin_opt = torch.optim.Adam(model.parameters(), lr=0.1), torch.optim.Adam(twin.parameters(), lr=0.1)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    namespace: dict = {}
    exec("def train_step" + SEMANTICS.split("def train_step", 1)[1], namespace)
    for _ in range(3):
        model.train(), twin.train()
        assert sub.train_step(model, opt, x, y) == pytest.approx(namespace["train_step"](twin, twin_opt, x, y), abs=1e-6)
    assert not model.training and not model[1].training
    for (name, a), (_, b) in zip(model.state_dict().items(), twin.state_dict().items()):
        assert torch.allclose(a.float(), b.float(), atol=1e-6), name
    for a, b in zip(model.parameters(), twin.parameters()):
        assert torch.allclose(a.grad, b.grad, atol=1e-6)
    assert opt.state_dict()["state"][0]["step"] == twin_opt.state_dict()["state"][0]["step"] == 3


def test_path_arguments_and_step_counting(make_session, tmp_path):
    sub, _ = make_session(SEMANTICS)
    data = tmp_path / "data.txt"
    data.write_text("a test's data file")
    assert sub.read_file(data) == "a test's data file"
    out = tmp_path / "out" / "result.txt"
    out.parent.mkdir()
    sub.write_file(out)
    assert out.read_text() == "written in the sandbox"
    result, steps = expect.python_steps(sub.loop, 10, within=sub.dir, budget=1000, description="loop(10)")
    assert result == 45 and 10 < steps < 1000
    with pytest.raises(AssertionError, match="executed more than 100 lines of Python"):
        expect.python_steps(sub.loop, 10_000, within=sub.dir, budget=100, description="loop(10000)")


def test_crash_and_time_limit_cost_one_test_and_a_fresh_child_follows(make_session):
    sub, s = make_session(SEMANTICS, Limits(test_s=1.5))
    s.begin_test()
    with pytest.raises(errors.TimeLimit, match="stopped after 1.5 s"):
        sub.sleep(60)
    with pytest.raises(errors.TimeLimit):
        sub.loop(3)  # the rest of that test fails at once
    s.end_test()
    s.begin_test()
    assert sub.loop(3) == 3
    with pytest.raises(errors.ProcessDied, match="signal 11"):
        sub.crash()
    s.end_test()
    s.begin_test()
    assert sub.loop(4) == 6 and s.restarts == 2
    s.end_test()


# One mistake per kind of failure the two paths must report alike (values, shapes, exceptions, the step
# counter, hypothesis counterexamples); every other mutant is graded by tests/test_mutants.py.
AGREEMENT_MUTANTS = ["row_index_exponent", "sin_cos_swapped", "python_double_loop", "add_without_mixed_terms",
                     "concat_along_tokens", "cosine_without_abs", "transposed_encoding", "unknown_mode_as_add"]


@pytest.mark.parametrize("variant", ["reference", "skeleton", *AGREEMENT_MUTANTS])
def test_isolated_and_in_process_grades_agree(variant, tmp_path):
    if variant == "reference":
        folder = A3.solution_dir
    elif variant == "skeleton":
        folder = mutants.copy_submission(A3.skeleton_dir, tmp_path / "skeleton")
    else:
        folder = mutants.apply(A3, {m.name: m for m in mutants.load(A3)}[variant], tmp_path / variant)
    local, isolated = check.run(A3, folder), judge.grade(A3, folder)[0]
    assert [(t.id, t.outcome, t.message) for t in isolated.tests] == [(t.id, t.outcome, t.message) for t in local.tests]


def test_student_output_never_reaches_the_grader(tmp_path, capfd):
    folder = tmp_path / "loud"
    folder.mkdir()
    (folder / "positional_encoding.py").write_text(
        (A3.solution_dir / "positional_encoding.py").read_text()
        + "\nimport os, sys\nprint('LOUD' * 100000)\nos.write(2, b'LOUD' * 100000)\n")
    report = judge.grade(A3, folder)[0]
    assert report.earned == 22
    out, err = capfd.readouterr()
    assert "LOUD" not in out + err


def test_warm_fork_server_starts_a_sandbox_quickly(make_session):
    import time

    began = time.monotonic()
    sub, _ = make_session("def f():\n    return 1\n")
    assert sub.f() == 1
    assert time.monotonic() - began < 5


def test_user_namespace_tier_grades_and_hides_the_course(tmp_path):
    """What an unprivileged grader gets (a user namespace, no own uid), exercised here as root."""
    folder = tmp_path / "peek"
    folder.mkdir()
    (folder / "positional_encoding.py").write_text(
        (A3.solution_dir / "positional_encoding.py").read_text()
        + f"\nimport os\nassert not os.path.exists({str(A3.solution_dir)!r})\n"
        + "assert open('/proc/self/status').read().split('CapEff:')[1].split()[0] == '0000000000000000'\n")
    report, info = judge.grade(A3, folder, isolate="userns")
    if info["isolation"] != "userns":
        pytest.skip(f"user namespaces are not available here ({info['isolation']})")
    assert report.earned == 22 and not report.error, report.error


def test_the_fork_server_imports_an_assignments_warm_modules_after_its_first_sandbox(tmp_path):
    """``Spec.warm`` (assignment.toml's ``warm``) is imported by the fork server once, after the first
    sandbox that asks for it, so that later sandboxes find it loaded; sandboxes before it do not."""
    from autograder.sandbox.forkserver import WarmSpawner

    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "mod.py").write_text("import sys\ndef loaded(name):\n    return name in sys.modules\n")
    spawner = WarmSpawner()
    try:
        def loaded(warm: tuple[str, ...] = ()) -> bool:
            s = session.Session(spawner, folder, ["mod.py"], Limits(test_s=20), warm=warm)
            try:
                return proxy.RemoteSubmission(s, folder).loaded("wave")
            finally:
                s.close()

        assert not loaded(), "wave is not imported by the sandbox itself"
        assert not loaded(), "nobody asked for it yet"
        assert not loaded(("wave",)), "the sandbox that asks is forked before the import"
        assert loaded(), "sandboxes forked after it find it loaded"
    finally:
        spawner.close()
