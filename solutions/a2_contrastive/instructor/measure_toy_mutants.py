"""Measure the toy-experiment margins of the reference and of the mutants at the tests' seeds and settings.

Run from the repository root:
    .venv/bin/python solutions/a2_contrastive/instructor/measure_toy_mutants.py [5,10 [mutant ...]]
For each step count, the reference and each mutant (default: the task-2 mutants, which train with their loss
and must pass the separation tests but interleaved_partner) run contrastive_toy_experiment at the seeds of
tests/test_toy_experiment.py (0-9, 11 with lr 3e-4, 12 with temperature 1.0) and it prints the worst gain of
cos(C1, C2), drop of cos(C1, B1) and cos(C2, B1), and order margin (as _check_separated), over all of them
and over seeds 0-4 (test_positives_closer_and_negatives_apart). About a minute per step count.
"""

import importlib.util
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from autograder import course, mutants  # noqa: E402

torch.set_num_threads(1)
SETTINGS = [(seed, {}) for seed in range(10)] + [(11, dict(lr=3e-4)), (12, dict(temperature=1.0))]


def load(folder: Path, tag: str):
    spec = importlib.util.spec_from_file_location(f"contrastive_{tag}", Path(folder) / "contrastive.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cosines(z: torch.Tensor) -> torch.Tensor:
    u = torch.nn.functional.normalize(z.double(), dim=1)
    return u @ u.T


def margins(module, steps: int) -> list[tuple[float, float, float]]:
    """(gain, smaller drop, order margin) per setting, as tests/test_toy_experiment.py::_check_separated."""
    rows = []
    for seed, kwargs in SETTINGS:
        result = module.contrastive_toy_experiment(steps=steps, seed=seed, **kwargs)
        before, after = cosines(result["embeddings_before"]), cosines(result["embeddings_after"])
        rows.append((float(after[0, 1] - before[0, 1]), min(float(before[j, 2] - after[j, 2]) for j in (0, 1)),
                     float(after[0, 1] - torch.maximum(after[0, 2], after[1, 2]))))
    return rows


def worst(rows) -> str:
    return " ".join(f"{name} >= {min(r[i] for r in rows):.3f}" for i, name in enumerate(("gain", "drop", "margin")))


assignment = course.get("a2_contrastive")
step_counts = [int(s) for s in sys.argv[1].split(",")] if sys.argv[1:] else [5]
chosen = sys.argv[2:]
cases = [("reference", assignment.solution_dir)]
with tempfile.TemporaryDirectory() as tmp:
    for mutant in mutants.load(assignment):
        if mutant.name in chosen or (not chosen and "2" in mutant.loses):
            cases.append((mutant.name, mutants.apply(assignment, mutant, Path(tmp) / mutant.name)))
    for name, folder in cases:
        module = load(folder, name)
        for steps in step_counts:
            try:
                rows = margins(module, steps)
            except Exception as exc:  # noqa: BLE001 - a mutant that cannot train
                print(f"{name:40s} steps {steps}: raises {type(exc).__name__}", flush=True)
                continue
            print(f"{name:40s} steps {steps}: all {worst(rows)}; seeds 0-4 {worst(rows[:5])}", flush=True)
