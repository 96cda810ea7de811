"""Record a training run of the reference on the Galaxy10 stand-in (for the README).

Run from the repository root::

    python solutions/a1_galaxy_cnn/instructor/reference_run.py --epochs 30 --threads 1

Trains exactly as report.ipynb does on the real data (all images, 80/10/10 split, batch 64, Adam
1e-3, best-validation-loss weights restored), but on the 5,000-image synthetic stand-in, and writes
``docs/reference_curves.png``, ``docs/reference_confusion.png`` and ``docs/reference_run.json``.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

SOLUTION = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SOLUTION))

from galaxy_cnn import GalaxyCNN  # noqa: E402
from galaxy_data import load_galaxy10_images, make_loaders, split_indices  # noqa: E402
from galaxy_training import confusion_matrix, evaluate, predict, train_model  # noqa: E402


def main() -> None:
    from autograder.data import GALAXY10_CLASSES, locate

    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    path = locate("galaxy10", synthetic=True)
    images, labels = load_galaxy10_images(path)
    splits = split_indices(labels, seed=args.seed)
    train_loader, val_loader, test_loader, _ = make_loaders(images, labels, splits, batch_size=64, seed=args.seed)
    torch.manual_seed(args.seed)
    model = GalaxyCNN()
    start, cpu_start = time.perf_counter(), time.process_time()
    checkpoint = Path(tempfile.mkdtemp(prefix="a1-reference-")) / "best_weights.pt"  # train_model saves here
    history = train_model(model, train_loader, val_loader, args.epochs, verbose=True, checkpoint_path=checkpoint)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    test_loss, test_acc = evaluate(model, test_loader)
    logits, true = predict(model, test_loader)
    matrix = confusion_matrix(logits.argmax(1), true)
    best = history["best_epoch"]
    record = {
        "data": f"synthetic stand-in, {len(labels)} images (seed 0)", "split": [len(s) for s in splits],
        "epochs": args.epochs, "threads": args.threads, "seconds_per_epoch": round(seconds / args.epochs, 2),
        "cpu_seconds_per_epoch": round(cpu_seconds / args.epochs, 2), "load_average": [round(v, 2) for v in __import__("os").getloadavg()],
        "machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}",
        "best_epoch": best + 1, "val_loss_best": round(history["val_loss"][best], 4),
        "val_acc_best": round(history["val_acc"][best], 4), "val_acc_last": round(history["val_acc"][-1], 4),
        "train_acc_last": round(history["train_acc"][-1], 4), "test_loss": round(test_loss, 4),
        "test_acc": round(test_acc, 4), "history": history, "confusion": matrix.tolist(),
    }
    docs = SOLUTION / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "reference_run.json").write_text(json.dumps(record, indent=1) + "\n")

    per_epoch = len(history["train_loss"]) // args.epochs
    ends = [(e + 1) * per_epoch for e in range(args.epochs)]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(13, 4.2))
    ax_loss.plot(history["train_loss"], lw=0.5, alpha=0.6, label="training loss (per iteration)")
    ax_loss.plot(ends, history["val_loss"], "o-", ms=3, label="validation loss (per epoch)")
    ax_loss.axvline(ends[best], color="gray", ls="--", label=f"kept weights (epoch {best + 1})")
    ax_loss.set(xlabel="iteration", ylabel="cross-entropy", title="loss")
    ax_loss.legend()
    epochs = range(1, args.epochs + 1)
    ax_acc.plot(epochs, history["train_acc"], "o-", ms=3, label="training")
    ax_acc.plot(epochs, history["val_acc"], "o-", ms=3, label="validation")
    ax_acc.axvline(best + 1, color="gray", ls="--")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    ax_acc.legend()
    fig.suptitle(f"reference GalaxyCNN on the Galaxy10 stand-in ({len(labels)} images), seed {args.seed}")
    fig.tight_layout()
    fig.savefig(docs / "reference_curves.png", dpi=90)

    fractions = matrix / matrix.sum(dim=1, keepdim=True).clamp(min=1)
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    image = ax.imshow(fractions, cmap="Blues", vmin=0, vmax=1)
    for i in range(10):
        for j in range(10):
            if matrix[i, j]:
                ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if fractions[i, j] > 0.5 else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_yticklabels([f"{c}: {n}" for c, n in enumerate(GALAXY10_CLASSES)], fontsize=7)
    ax.set(xlabel="predicted class", ylabel="true class", title=f"test split ({len(true)} images), accuracy {test_acc:.3f}")
    fig.colorbar(image, ax=ax, label="fraction of the true class")
    fig.tight_layout()
    fig.savefig(docs / "reference_confusion.png", dpi=90)
    print(json.dumps({k: v for k, v in record.items() if k not in ("history", "confusion")}, indent=1))


if __name__ == "__main__":
    main()
