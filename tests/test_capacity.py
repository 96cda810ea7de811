"""The default number of local grading workers: one per core, but only as many as memory holds."""
from __future__ import annotations

from autograder.batch import capacity

GIB = 2**30


def test_memory_limits_the_workers_on_a_machine_with_many_cores():
    assert capacity.default_workers(n_cores=16, available=5 * GIB, per_worker=GIB) == 5


def test_cores_limit_the_workers_on_a_machine_with_much_memory():
    assert capacity.default_workers(n_cores=2, available=64 * GIB, per_worker=GIB) == 2


def test_there_is_always_one_worker_even_when_memory_is_short():
    assert capacity.default_workers(n_cores=8, available=GIB // 10, per_worker=GIB) == 1


def test_the_default_per_worker_memory_is_the_measured_one():
    assert capacity.default_workers(n_cores=64, available=10 * capacity.WORKER_MEMORY) == 10


def test_available_memory_is_read_from_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:    2097152 kB\n")
    assert capacity._meminfo_available(meminfo) == 2 * GIB
    assert capacity._meminfo_available(tmp_path / "missing") is None


def test_a_cgroup_v2_limit_leaves_less_memory(tmp_path):
    (tmp_path / "memory.max").write_text(f"{4 * GIB}\n")
    (tmp_path / "memory.current").write_text(f"{3 * GIB}\n")
    assert capacity._cgroup_available(tmp_path) == GIB
    (tmp_path / "memory.max").write_text("max\n")
    assert capacity._cgroup_available(tmp_path) is None  # no limit: the machine's memory decides


def test_a_cgroup_v1_limit_leaves_less_memory(tmp_path):
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text(f"{8 * GIB}\n")
    (tmp_path / "memory" / "memory.usage_in_bytes").write_text(f"{6 * GIB}\n")
    assert capacity._cgroup_available(tmp_path) == 2 * GIB
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")  # v1's "no limit"
    assert capacity._cgroup_available(tmp_path) is None


def test_this_machine_gets_at_least_one_worker_and_no_more_than_its_cores():
    assert 1 <= capacity.default_workers() <= capacity.cores()
