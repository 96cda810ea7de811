"""Peak PSS of one grading worker per assignment: `grade` (default workers) on two copies of the
reference solution, with benchmarks/course.py's sampler (no nbgrader).

    .venv/bin/python benchmarks/worker_memory.py a1_galaxy_cnn a5_signs_cnn ...
"""
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from course import MemorySampler, gib  # noqa: E402

from autograder import course, grade, mutants  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    for aid in sys.argv[1:]:
        a = course.get(aid)
        subs = Path(tmp) / aid
        mutants.copy_submission(a.solution_dir, subs / "reference")
        mutants.copy_submission(a.solution_dir, subs / "reference2")
        with MemorySampler() as s:
            t0 = time.time()
            grade.grade_batch(a, subs, Path(tmp) / f"out-{aid}", progress=False, force=True)
        print(f"{aid}: peak PSS one worker {gib(s.peak_worker)}, all workers {gib(s.peak_total)}, "
              f"{time.time() - t0:.0f} s", flush=True)
