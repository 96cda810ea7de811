"""Measure how hard the synthetic Galaxy10 stand-in is for the reference GalaxyCNN (A1).

For each seed: make ``--n`` synthetic images with that seed, split 80/10/10 (stratified, same
seed), scale to [0, 1] and normalise per channel with the training split's mean/std, train the
reference GalaxyCNN with Adam (lr 1e-3), cross-entropy, batch 64 for ``--epochs`` epochs, and
record per-epoch train/validation loss and accuracy. Writes ``galaxy10_measure.json``, the
learning curves (``galaxy10_synthetic_curves.png``) and the confusion matrix of the
lowest-validation-loss checkpoint on the test split summed over seeds
(``galaxy10_synthetic_confusion.png``) into ``--out``.

Run from the repository root (2-core CPU: about 30 epochs x 3 seeds in well under an hour)::

    python docs/data/measure_galaxy10.py --seeds 0 1 2 --epochs 30 --out docs/data

Not part of the test suite (too slow).
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from autograder.data.registry import GALAXY10_CLASSES
from autograder.data.synth_galaxy10 import make_galaxy10


def galaxy_cnn() -> nn.Module:
    """The A1 reference architecture (207,002 parameters); logits (B, 10) for input (B, 3, 69, 69)."""
    return nn.Sequential(
        nn.Conv2d(3, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(3136, 64), nn.ReLU(),
        nn.Linear(64, 32), nn.ReLU(),
        nn.Linear(32, 10),
    )


def split(labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    train, rest = train_test_split(idx, test_size=0.2, random_state=seed, stratify=labels)
    val, test = train_test_split(rest, test_size=0.5, random_state=seed, stratify=labels[rest])
    return train, val, test


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, np.ndarray]:
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(x[i:i + 512]) for i in range(0, len(x), 512)])
        loss = nn.functional.cross_entropy(logits, y).item()
        pred = logits.argmax(1)
    model.train()
    return loss, (pred == y).float().mean().item(), pred.numpy()


def run_seed(seed: int, n: int, epochs: int) -> dict:
    images, labels = make_galaxy10(n, seed)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0
    y = torch.from_numpy(labels.astype(np.int64))
    tr, va, te = split(labels, seed)
    mean = x[tr].mean(dim=(0, 2, 3), keepdim=True)
    std = x[tr].std(dim=(0, 2, 3), keepdim=True)
    x = (x - mean) / std

    torch.manual_seed(seed)
    model = galaxy_cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[tr], y[tr]), batch_size=64,
                                         shuffle=True, generator=torch.Generator().manual_seed(seed))
    hist = {k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc", "epoch_seconds", "iter_loss")}
    best = (float("inf"), None, -1)
    for epoch in range(epochs):
        t0 = time.perf_counter()
        correct, seen, total_loss = 0, 0, 0.0
        for xb, yb in loader:
            opt.zero_grad()
            logits = model(xb)
            loss = nn.functional.cross_entropy(logits, yb)
            loss.backward()
            opt.step()
            hist["iter_loss"].append(loss.item())
            total_loss += loss.item() * len(yb)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += len(yb)
        hist["epoch_seconds"].append(time.perf_counter() - t0)
        vl, vacc, _ = evaluate(model, x[va], y[va])
        hist["train_loss"].append(total_loss / seen)
        hist["train_acc"].append(correct / seen)
        hist["val_loss"].append(vl)
        hist["val_acc"].append(vacc)
        if vl < best[0]:
            best = (vl, copy.deepcopy(model.state_dict()), epoch)
        print(f"seed {seed} epoch {epoch + 1:2d}: train loss {total_loss / seen:.3f} acc {correct / seen:.3f} | "
              f"val loss {vl:.3f} acc {vacc:.3f} | {hist['epoch_seconds'][-1]:.1f} s", flush=True)
    model.load_state_dict(best[1])
    _, test_acc, pred = evaluate(model, x[te], y[te])
    cm = np.zeros((10, 10), dtype=np.int64)
    np.add.at(cm, (labels[te].astype(np.int64), pred), 1)
    return {
        "seed": seed, "n": n, "epochs": epochs,
        "final_val_acc": hist["val_acc"][-1], "max_val_acc": max(hist["val_acc"]),
        "best_epoch": best[2] + 1, "val_acc_at_best_loss": hist["val_acc"][best[2]],
        "test_acc_at_best_loss": test_acc,
        "seconds_per_epoch": float(np.mean(hist["epoch_seconds"])),
        "confusion": cm.tolist(), "history": hist,
        "class_counts": np.bincount(labels, minlength=10).tolist(),
    }


def plot(results: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for r in results:
        it = np.asarray(r["history"]["iter_loss"])
        k = 20
        smooth = np.convolve(it, np.ones(k) / k, mode="valid")
        axes[0].plot(smooth, lw=0.8, label=f"seed {r['seed']}")
        ep = np.arange(1, r["epochs"] + 1)
        axes[1].plot(ep, r["history"]["train_loss"], "--", label=f"train, seed {r['seed']}")
        axes[1].plot(ep, r["history"]["val_loss"], label=f"val, seed {r['seed']}")
        axes[2].plot(ep, r["history"]["train_acc"], "--", label=f"train, seed {r['seed']}")
        axes[2].plot(ep, r["history"]["val_acc"], label=f"val, seed {r['seed']}")
    axes[0].set(title="training loss per iteration (moving average of 20)", xlabel="iteration")
    axes[1].set(title="loss per epoch", xlabel="epoch")
    axes[2].set(title="accuracy per epoch", xlabel="epoch", ylim=(0, 1))
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "galaxy10_synthetic_curves.png", dpi=100)
    plt.close(fig)

    plot_confusion(results, out)


def plot_confusion(results: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.sum([np.asarray(r["confusion"]) for r in results], axis=0)
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(8, 7))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(10):
        for j in range(10):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if norm[i, j] > 0.5 else "black")
    names = [f"{i}: {c}" for i, c in enumerate(GALAXY10_CLASSES)]
    ax.set_xticks(range(10), [str(i) for i in range(10)])
    ax.set_yticks(range(10), names, fontsize=8)
    ax.set(xlabel="predicted class", ylabel="true class",
           title=f"GalaxyCNN on the synthetic stand-in: test split, best-val-loss checkpoint,\n"
                 f"summed over seeds {[r['seed'] for r in results]} (rows: true, colour: row-normalised)")
    fig.tight_layout()
    fig.savefig(out / "galaxy10_synthetic_confusion.png", dpi=100, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("docs/data"))
    ap.add_argument("--replot", action="store_true", help="redraw the confusion matrix from the saved JSON")
    args = ap.parse_args()
    if args.replot:
        plot_confusion(json.loads((args.out / "galaxy10_measure.json").read_text())["runs"], args.out)
        return
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    results = [run_seed(s, args.n, args.epochs) for s in args.seeds]
    summary = {
        "machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
                   f"{args.threads} thread(s)",
        "runs": [{k: v for k, v in r.items() if k != "history"} for r in results],
    }
    (args.out / "galaxy10_measure.json").write_text(json.dumps(summary, indent=1))
    plot(results, args.out)
    for r in results:
        print(f"seed {r['seed']}: final val acc {r['final_val_acc']:.3f}, max {r['max_val_acc']:.3f}, "
              f"at best val loss (epoch {r['best_epoch']}) {r['val_acc_at_best_loss']:.3f}, "
              f"test {r['test_acc_at_best_loss']:.3f}, {r['seconds_per_epoch']:.1f} s/epoch")


if __name__ == "__main__":
    main()
