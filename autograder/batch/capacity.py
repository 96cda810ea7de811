"""How many local grading workers this machine can run at once: cores, and memory.

Each worker holds torch, pytest and the suite, a warm fork server, and one sandboxed child at a
time, which may train a small network. ``WORKER_MEMORY`` is the largest peak proportional set
size (PSS) of one such worker tree measured over the course (a1's, 1.22 GiB:
``benchmarks/course.py`` and ``benchmarks/worker_memory.py``, results in benchmarks/README.md)
plus about 20%. A machine with many cores and little memory (a CI runner, a cloud VM) would
otherwise start more workers than fit and swap or meet the OOM killer.
"""
from __future__ import annotations

import os
from pathlib import Path

WORKER_MEMORY = 1536 * 2**20  # bytes per worker


def cores() -> int:
    """The cores this process may run on (its CPU affinity, where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _meminfo_available(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _own_cgroup(root: Path = Path("/sys/fs/cgroup")) -> Path:
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return root / line[3:].strip().lstrip("/")
    except OSError:
        pass
    return root


def _cgroup_available(cgroup: Path | None = None) -> int | None:
    """Memory left under this process's cgroup limit (a container's), if it has one: cgroup v2
    (``memory.max``), else v1 (``memory/memory.limit_in_bytes``, as a container sees it)."""
    cgroup = _own_cgroup() if cgroup is None else cgroup
    for limit_file, usage_file in ((cgroup / "memory.max", cgroup / "memory.current"),
                                   (cgroup / "memory" / "memory.limit_in_bytes", cgroup / "memory" / "memory.usage_in_bytes")):
        try:
            limit = limit_file.read_text().strip()
            if limit == "max" or int(limit) >= 2**60:  # no limit
                return None
            return max(0, int(limit) - int(usage_file.read_text().strip()))
        except (OSError, ValueError):
            continue
    return None


def available_memory() -> int | None:
    """Bytes that new processes can use without swapping: the kernel's MemAvailable, or less when
    a cgroup (container) limit leaves less; None where neither can be read."""
    found = [m for m in (_meminfo_available(), _cgroup_available()) if m is not None]
    if not found:
        try:
            found = [os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")]
        except (AttributeError, ValueError, OSError):
            return None
    return min(found)


def default_workers(n_cores: int | None = None, available: int | None = None,
                    per_worker: int = WORKER_MEMORY) -> int:
    """One worker per core, but no more than the available memory holds at ``per_worker`` bytes
    each; at least one. ``n_cores`` and ``available`` default to this machine's (an unknown amount
    of memory does not limit the count)."""
    n_cores = cores() if n_cores is None else n_cores
    available = available_memory() if available is None else available
    by_memory = n_cores if available is None else available // per_worker
    return max(1, min(n_cores, int(by_memory)))
