"""Measure the reference behind every A1 threshold (instructor only; not part of the test suite).

Run from the repository root::

    python solutions/a1_galaxy_cnn/instructor/measure_thresholds.py blobs
    python solutions/a1_galaxy_cnn/instructor/measure_thresholds.py restore
    python solutions/a1_galaxy_cnn/instructor/measure_thresholds.py checkpoint --n-images 3000 --epochs 8

``blobs``: the learning test of task 5 (blob images, 3 epochs) for weight seeds 0-4 and data
seeds 0-4. ``restore``: the validation-loss curves of the task 6 copy test for weight seeds 0-4.
``checkpoint``: the notebook's synthetic run for notebook seeds 0-4, each best checkpoint scored
by the grader's own forward pass on the held-out synthetic galaxies of task 6.
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


def restore(weight_seed: int) -> list[float]:
    x, y = conftest.blob_images(260, seed=7)
    y_val = y[160:].clone()
    y_val[:30] = (y_val[:30] + 5) % 10
    train = DataLoader(TensorDataset(x[:160], y[:160]), batch_size=16)
    val = DataLoader(TensorDataset(x[160:], y_val), batch_size=100)
    model = galaxy_cnn.GalaxyCNN()
    conftest.set_weights(model, weight_seed)
    return galaxy_training.train_model(model, train, val, n_epochs=4, checkpoint_path=CHECKPOINT)["val_loss"]


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
    parser.add_argument("what", choices=["blobs", "restore", "checkpoint"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-images", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()
    if args.what == "blobs":
        for s in args.seeds:
            print(f"weight seed {s}, data seed 5: accuracy {blobs(s, 5):.3f}", flush=True)
        for s in args.seeds:
            print(f"weight seed 0, data seed {s}: accuracy {blobs(0, s):.3f}", flush=True)
    elif args.what == "restore":
        for s in args.seeds:
            losses = restore(s)
            best = min(range(len(losses)), key=losses.__getitem__)
            print(f"weight seed {s}: val losses {[round(v, 3) for v in losses]}, best epoch {best}, "
                  f"last - best {losses[-1] - losses[best]:.3f}", flush=True)
    else:
        from autograder.data import locate

        path = locate("galaxy10", synthetic=True)
        for s in args.seeds:
            print(json.dumps(notebook_run(s, args.n_images, args.epochs, path)), flush=True)


if __name__ == "__main__":
    main()
