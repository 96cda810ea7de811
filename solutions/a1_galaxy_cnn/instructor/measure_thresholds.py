"""Measure the reference behind every A1 threshold (instructor only; not part of the test suite).

Run from the repository root::

    python solutions/a1_galaxy_cnn/instructor/measure_thresholds.py blobs
    python solutions/a1_galaxy_cnn/instructor/measure_thresholds.py restore
    python solutions/a1_galaxy_cnn/instructor/measure_thresholds.py checkpoint --n-images 3000 --epochs 8
    python solutions/a1_galaxy_cnn/instructor/measure_thresholds.py power

``blobs``: the learning test of task 5 (blob images, 3 epochs) for weight seeds 0-4 and data
seeds 0-4. ``restore``: the validation-loss curves of the task 6 checkpoint tests (their small MLP)
for weight seeds 0-9 on the tests' data, and weight seed 3 on data seeds 0-9.
``checkpoint``: the notebook's synthetic run for notebook seeds 0-4, each best checkpoint scored
by the grader's own forward pass on the held-out synthetic galaxies of task 6.
``power``: the detection power of the example count FEW of the costly property tests (every mutant,
those tests only, in process).
All runs use one torch thread, as the grader does.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

HERE = Path(__file__).resolve().parent
SOLUTION = HERE.parent
sys.path.insert(0, str(SOLUTION))

import galaxy_cnn  # noqa: E402
import galaxy_data  # noqa: E402
import galaxy_training  # noqa: E402

CHECKPOINT = Path(tempfile.mkdtemp(prefix="a1-measure-")) / "best_weights.pt"  # train_model saves here


def _tests_module(name: str):
    spec = importlib.util.spec_from_file_location(f"a1_{name}", SOLUTION / "tests" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conftest = _tests_module("conftest")
torch.set_num_threads(1)


def blobs(weight_seed: int, data_seed: int) -> float:
    x, y = conftest.blob_images(520, seed=data_seed)
    train = DataLoader(TensorDataset(x[:320], y[:320]), batch_size=16)
    val = DataLoader(TensorDataset(x[320:420], y[320:420]), batch_size=100)
    model = galaxy_cnn.GalaxyCNN()
    conftest.set_weights(model, weight_seed)
    galaxy_training.train_model(model, train, val, n_epochs=3, checkpoint_path=CHECKPOINT)
    model.eval()
    with torch.no_grad():
        return (model(x[420:]).argmax(1) == y[420:]).double().mean().item()


def restore(weight_seed: int, data_seed: int = 7) -> list[float]:
    check = _tests_module("test_checkpoint")
    train, val = check.noisy_validation_problem(data_seed)
    model = check.small_classifier(conftest, weight_seed)
    return galaxy_training.train_model(model, train, val, n_epochs=4, checkpoint_path=CHECKPOINT)["val_loss"]


def hypothesis_power(only: list[str]) -> None:
    """FEW (max_examples of the costly property tests): each mutant's failing property tests with 30
    derandomized examples (the grading profile), with 5 derandomized and with 10 random ones. ``only``: these
    mutants (default: all; the property tests of task 6 can only fail for mutants of confusion_matrix)."""
    import os
    import re
    import shutil

    from hypothesis import settings

    from autograder import course, mutants, suite
    from autograder.selection import Selection

    with tempfile.TemporaryDirectory() as root:
        # A copy of the assignment without the tests' own example counts, so that each profile below decides them.
        copy_dir = Path(root) / "solutions" / SOLUTION.name
        shutil.copytree(SOLUTION, copy_dir)
        names = []
        for f in (copy_dir / "tests").glob("test_*.py"):
            text = f.read_text()
            names += re.findall(r"@settings\(max_examples=FEW\)\ndef (test_\w+)", text)
            f.write_text(text.replace("@settings(max_examples=FEW)\n", ""))
        os.environ["DLCOURSE_ROOT"] = root
        assignment = next(a for a in course.assignments() if a.id == SOLUTION.name)
        print(f"property tests with FEW examples: {names}", flush=True)
        runs = {"30": dict(max_examples=30), "5": dict(max_examples=5), "r10": dict(max_examples=10, derandomize=False)}
        failed = {}
        for run, changes in runs.items():
            settings.register_profile(f"grading-{run}", parent=settings.get_profile("grading"), **changes)
            os.environ["HYPOTHESIS_PROFILE"] = f"grading-{run}"
            for mutant in [m for m in mutants.load(assignment) if not only or m.name in only]:
                with tempfile.TemporaryDirectory() as tmp:
                    folder = mutants.apply(assignment, mutant, Path(tmp) / mutant.name)
                    report, _ = suite.run(assignment, folder, select=Selection((".",), ("-k", " or ".join(names))))
                failed.setdefault(run, {})[mutant.name] = {t.id.split("::")[-1] for t in report.tests
                                                           if t.outcome != "passed"}
            caught = {m: sorted(got) for m, got in failed[run].items() if got}
            missed = {m: sorted(failed["30"][m] - got) for m, got in failed[run].items() if failed["30"][m] - got}
            print(f"{run} examples: caught {caught}; tests that miss a mutant they catch with 30: {missed or 'none'}",
                  flush=True)


def notebook_run(seed: int, n_images: int, epochs: int, data_path: Path) -> dict:
    """What report.ipynb does on the stand-in, then the grader's score of the saved checkpoint."""
    images, labels = galaxy_data.load_galaxy10_images(data_path)
    images, labels = images[:n_images], labels[:n_images]
    splits = galaxy_data.split_indices(labels, seed=seed)
    train_loader, val_loader, test_loader, normalize = galaxy_data.make_loaders(images, labels, splits, batch_size=64, seed=seed)
    torch.manual_seed(seed)
    model = galaxy_cnn.GalaxyCNN()
    start = time.perf_counter()
    history = galaxy_training.train_model(model, train_loader, val_loader, epochs, checkpoint_path=CHECKPOINT)
    seconds = time.perf_counter() - start
    test_loss, test_acc = galaxy_training.evaluate(model, test_loader)
    checkpoint = {"state_dict": model.state_dict(), "mean": torch.tensor(normalize.mean), "std": torch.tensor(normalize.std),
                  "real_data": False}
    check = _tests_module("test_checkpoint")
    weights = conftest.weights_by_shape(list(checkpoint["state_dict"].values()), "checkpoint")
    x, y, _ = check.held_out_images(checkpoint)
    mean, std = checkpoint["mean"].reshape(1, 3, 1, 1), checkpoint["std"].reshape(1, 3, 1, 1)
    with torch.no_grad():
        held_out = (conftest.galaxy_cnn_forward(weights, (x - mean) / std).argmax(1) == y).double().mean().item()
    return {"seed": seed, "best_epoch": history["best_epoch"], "val_acc_best": history["val_acc"][history["best_epoch"]],
            "test_acc": test_acc, "held_out_acc": held_out, "s_per_epoch": seconds / epochs}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["blobs", "restore", "checkpoint", "power"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-images", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--mutants", nargs="*", default=[], help="power: only these mutants")
    args = parser.parse_args()
    if args.what == "blobs":
        for s in args.seeds:
            print(f"weight seed {s}, data seed 5: accuracy {blobs(s, 5):.3f}", flush=True)
        for s in args.seeds:
            print(f"weight seed 0, data seed {s}: accuracy {blobs(0, s):.3f}", flush=True)
    elif args.what == "restore":
        for weight_seed, data_seed in [(s, 7) for s in range(10)] + [(3, s) for s in range(10)]:
            losses = restore(weight_seed, data_seed)
            best = min(range(len(losses)), key=losses.__getitem__)
            print(f"weight seed {weight_seed}, data seed {data_seed}: val losses {[round(v, 3) for v in losses]}, "
                  f"best epoch {best}, last - best {losses[-1] - losses[best]:.3f}", flush=True)
    elif args.what == "power":
        hypothesis_power(args.mutants)
    else:
        from autograder.data import locate

        path = locate("galaxy10", synthetic=True)
        for s in args.seeds:
            print(json.dumps(notebook_run(s, args.n_images, args.epochs, path)), flush=True)


if __name__ == "__main__":
    main()
