"""Re-measure the threshold of the bonus test on L1 vs L2 (instructor only, never released).

Run from the repository root:  .venv/bin/python solutions/a4_autoencoders/instructor/measure_playground.py
It prints one value per seed and the extremes the thresholds of
tests/test_playground.py::test_l1_zeroes_redundant_weights_l2_only_shrinks must clear (the comment next
to them quotes these numbers). Takes a few seconds.
"""
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from playground import make_dataset, train_classifier  # noqa: E402

torch.set_num_threads(1)
SEEDS = range(20)
# The test's setting: 64 points of "gauss" (one neuron separates them), 8 tanh neurons (7 redundant),
# 100 full-batch gradient-descent steps, lr 1.0, rate 0.02.
N, HIDDEN, STEPS, LR, RATE, SMALL = 64, 8, 100, 1.0, 0.02, 0.02


def weights(model):
    return torch.cat([model[0].weight.flatten(), model[2].weight.flatten()]).detach()


def run(seed, reg):
    X, y = make_dataset("gauss", N, 0.0, seed=0)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, 2))
    train_classifier(model, X, y, LR, STEPS, reg, RATE)
    return weights(model)


def main():
    small, ratio = {"l1": [], "l2": []}, []
    for seed in SEEDS:
        plain = run(seed, None)
        for reg in ("l1", "l2"):
            w = run(seed, reg)
            small[reg].append((w.abs() < SMALL).float().mean().item())
            if reg == "l2":
                ratio.append((w.square().sum() / plain.square().sum()).item())
    for reg in ("l1", "l2"):
        print(f"{reg}: fraction of weights below {SMALL}: {[round(v, 3) for v in small[reg]]}  "
              f"min {min(small[reg]):.3f} max {max(small[reg]):.3f}")
    print(f"l2: sum w^2 / sum w^2 without regularisation: {[round(v, 3) for v in ratio]}  max {max(ratio):.3f}")


if __name__ == "__main__":
    main()
