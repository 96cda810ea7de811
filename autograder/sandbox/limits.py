"""What a sandboxed submission may use: time, memory, processes, files.

Wall-clock limits are enforced by the trusted grader (it kills the child); the others are
kernel limits set in the child before student code runs (``setrlimit``, a size-limited
tmpfs). Real grading takes :meth:`Limits.for_suite` (the per-test time from the reference's
own times); tests pass tighter ones.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from .. import timing


@dataclass(frozen=True)
class Limits:
    test_s: float = 60.0          # wall time one test may spend waiting for student code
    submission_s: float = 900.0   # wall time of one whole submission, imports included
    import_s: float = 60.0        # wall time to import the graded modules
    cpu_s: int = 900              # CPU seconds of one child process (RLIMIT_CPU)
    memory_mb: int = 2048         # address space a child may add to what it started with
    processes: int = 32           # processes and threads of the child's user (RLIMIT_NPROC)
    file_mb: int = 64             # largest file a child may write (RLIMIT_FSIZE)
    open_files: int = 256         # RLIMIT_NOFILE
    scratch_mb: int = 256         # its whole writable file system (tmpfs)
    reply_mb: int = 512           # largest reply the grader reads from a child
    submission_mb: int = 64       # largest submission folder copied into the sandbox
    restarts: int = 8             # fresh children after crashes/timeouts in one task's tests before giving up on that task

    @classmethod
    def for_suite(cls, tests_dir: Path) -> "Limits":
        """The limits of real grading with the suite in ``tests_dir``: per test the one rule of
        ``timing.assignment_test_limit`` (the check's too), everything else the defaults."""
        return cls(test_s=timing.assignment_test_limit(tests_dir))

    def replace(self, **changes) -> "Limits":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Limits":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})
