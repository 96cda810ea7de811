"""Measure the margins behind the toy-experiment thresholds (tests/test_toy_experiment.py).

Run from the repository root:  python solutions/a2_contrastive/instructor/measure_toy.py [steps, default 5]
Prints, per setting, the similarities before training (the premise: cos(C1, C2) > cos(C1, B1)),
the worst seed's gain of cos(C1, C2) and drop of cos(C1, B1), cos(C2, B1).
"""
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from contrastive import contrastive_toy_experiment  # noqa: E402

torch.set_num_threads(1)
SEEDS = range(20)
# 5 steps as in the tests (10 before; `measure_toy.py 10` measures those); tau = 0.25 is what a loss that divides
# by tau twice sees at tau = 0.5; tau = 0.2 shows why the tests do not use low temperatures; 30 steps as in the
# notebook.
STEPS = int(sys.argv[1]) if sys.argv[1:] else 5
SETTINGS = [dict(steps=STEPS), dict(steps=STEPS, lr=3e-4), dict(steps=STEPS, temperature=1.0),
            dict(steps=STEPS, temperature=0.25), dict(steps=STEPS, temperature=0.2), dict(steps=30)]

for setting in SETTINGS:
    start = time.perf_counter()
    gains, drops1, drops2, after_pos, after_neg, margins = [], [], [], [], [], []
    before_pos, before_neg = [], []
    for seed in SEEDS:
        r = contrastive_toy_experiment(seed=seed, **setting)
        b, a = r["similarity_before"], r["similarity_after"]
        before_pos.append(float(b[0, 1]))
        before_neg.append(float(max(b[0, 2], b[1, 2])))
        gains.append(float(a[0, 1] - b[0, 1]))
        drops1.append(float(b[0, 2] - a[0, 2]))
        drops2.append(float(b[1, 2] - a[1, 2]))
        after_pos.append(float(a[0, 1]))
        after_neg.append(float(max(a[0, 2], a[1, 2])))
        margins.append(after_pos[-1] - after_neg[-1])
    per_run = (time.perf_counter() - start) / len(SEEDS)
    print(f"{setting}: {per_run * 1000:.0f} ms/run, seeds {SEEDS.start}..{SEEDS.stop - 1}")
    print(f"  before: cos(C1,C2) {min(before_pos):.3f}..{max(before_pos):.3f}, max negative cos "
          f"{min(before_neg):.3f}..{max(before_neg):.3f}, premise holds for "
          f"{sum(p > n for p, n in zip(before_pos, before_neg))}/{len(before_pos)} seeds")
    print(f"  gain cos(C1,C2): min {min(gains):.3f} mean {sum(gains) / len(gains):.3f}")
    print(f"  drop cos(C1,B1): min {min(drops1):.3f}; drop cos(C2,B1): min {min(drops2):.3f}")
    print(f"  after: cos(C1,C2) >= {min(after_pos):.3f}, max negative cos <= {max(after_neg):.3f}, "
          f"cos(C1,C2) - max negative >= {min(margins):.3f}")
    worst = min(range(len(gains)), key=gains.__getitem__)
    print(f"  smallest gain at seed {SEEDS[worst]}")
