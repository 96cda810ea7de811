"""Measure how closely the grader's replay of the toy training matches correct and wrong runs.

Run from the repository root:  python solutions/a2_contrastive/instructor/measure_replay.py [seeds]
For the reference, each correct variant (variants.py) and the mutants that break the recipe
(mutants.py), it runs ``contrastive_toy_experiment`` in process and the replay of
``tests/test_toy_experiment.py::test_training_follows_the_recipe`` (the student's initial weights,
the specified layers, the student's loss) and prints the largest difference of the losses and of
``embeddings_after``. Correct code must stay far below REPLAY_ATOL, each mistake far above it.
"""
import importlib.util
import sys
import tempfile
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))
from autograder import course, mutants, submission  # noqa: E402

torch.set_num_threads(1)
spec = importlib.util.spec_from_file_location("toy_tests", HERE.parent / "tests" / "test_toy_experiment.py")
toy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(toy)

RECIPE_MUTANTS = ("temperature_not_passed", "lr_ignored", "gradients_not_zeroed", "loss_recorded_after_update",
                  "views_mixed_up", "encoder_built_before_seeding")
SEEDS = [int(s) for s in sys.argv[1:]] or [3, 0, 1, 2, 4]


def gaps(folder: Path) -> tuple[float, float]:
    submission.forget(["contrastive"])
    sub = submission.load(folder, ["contrastive.py"])
    worst_loss = worst_after = 0.0
    for seed in SEEDS:
        setting = dict(toy.REPLAY, seed=seed)
        result = sub.contrastive_toy_experiment(**setting)
        torch.manual_seed(seed)
        encoder = sub.SimpleEncoder()
        weights = {tuple(p.shape): p.detach().float() for p in encoder.parameters()}
        _, losses, after = toy._replay(sub, weights, result["images"], setting["steps"], setting["lr"],
                                       setting["temperature"])
        worst_loss = max(worst_loss, float((result["losses"] - losses[:-1]).abs().max()))
        worst_after = max(worst_after, float((result["embeddings_after"] - after).abs().max()))
    return worst_loss, worst_after


assignment = course.get("a2_contrastive")
print(f"replay setting {toy.REPLAY} (seed varied over {SEEDS}); REPLAY_ATOL = {toy.REPLAY_ATOL}")
with tempfile.TemporaryDirectory() as tmp:
    cases = [("reference", assignment.solution_dir)]
    for variant in mutants.load_variants(assignment):
        cases.append((f"variant {variant.name}",
                      mutants.apply_variant(assignment, variant, Path(tmp) / f"v_{variant.name}")))
    for mutant in mutants.load(assignment):
        if mutant.name in RECIPE_MUTANTS:
            cases.append((f"mutant {mutant.name}", mutants.apply(assignment, mutant, Path(tmp) / f"m_{mutant.name}")))
    for label, folder in cases:
        loss_gap, after_gap = gaps(folder)
        print(f"  {label:48s} max |losses - replay| {loss_gap:.2e}   max |embeddings_after - replay| {after_gap:.2e}")
