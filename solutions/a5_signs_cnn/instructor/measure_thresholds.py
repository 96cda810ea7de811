"""Measurements behind the thresholds of the A5 tests (run from the repository root).

    .venv/bin/python solutions/a5_signs_cnn/instructor/measure_thresholds.py
    (add `power` for the detection power of test_output_is_log_probabilities' example count instead)

For each of 5 seeds it runs the reference solution (and, where a test exists to catch a
mistake, the mistaken variant) through the exact setting of the test, and prints the numbers
quoted next to each threshold:

* tests/test_sweep.py::test_signs_cnn_learns_the_signs_stand_in -- best val accuracy, lowest val loss
* tests/test_train.py::test_reaches_the_optimum_of_a_convex_problem -- gap to the optimum (the test's
  L-BFGS oracle is checked against scikit-learn here)
* tests/test_model.py::test_batchnorm_right_after_each_convolution -- output change under input scaling
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))
torch.set_num_threads(1)

import signs_cnn  # noqa: E402
import training  # noqa: E402


def variant(module, old: str, new: str):
    """A copy of ``module`` with one text replacement (the mutant's mistake)."""
    source = Path(module.__file__).read_text()
    assert source.count(old) == 1, old
    namespace: dict = {"__name__": f"{module.__name__}_variant"}
    exec(compile(source.replace(old, new), module.__file__, "exec"), namespace)
    return namespace


NO_ZERO_GRAD = variant(training, "            optimizer.zero_grad()  # otherwise backward() adds to the previous step's gradients\n", "")


def signs_stand_in(seeds=range(10)):
    from autograder.data.synth_signs import make_signs

    print("SignsCNN on 240 stand-in images, 8 epochs, lr 1e-3 (test uses data seed 11, init seed 0)")
    for name, train_cnn in (("reference", training.train_cnn), ("no zero_grad", NO_ZERO_GRAD["train_cnn"])):
        accs, losses = [], []
        for seed in seeds:
            data_seed, init_seed = 11 + seed, seed
            torch.manual_seed(init_seed)
            images, labels = make_signs(360, seed=data_seed)
            x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
            y = torch.from_numpy(labels)
            val = np.concatenate([np.flatnonzero(labels == c)[:20] for c in range(6)])
            train = np.setdiff1d(np.arange(360), val)
            model = signs_cnn.SignsCNN()
            out = train_cnn(model, DataLoader(TensorDataset(x[train], y[train]), batch_size=16),
                            DataLoader(TensorDataset(x[val], y[val]), batch_size=120), 1e-3, 8, "cpu")
            accs.append(out[3].max())
            losses.append(out[1].min())
            print(f"  {name:13s} data seed {data_seed}, init seed {init_seed}: best val acc {out[3].max():.3f}, "
                  f"lowest val loss {out[1].min():.3f}")
        print(f"  {name:13s} min best val acc {min(accs):.3f}, max lowest val loss {max(losses):.3f}")


def convex(seeds=range(5)):
    from sklearn.linear_model import LogisticRegression

    sys.path.insert(0, str(HERE / "tests"))
    from test_train import _optimal_logistic_loss

    print("Logistic regression, 3 batches of 30, lr 0.1, 30 epochs: gap to the optimum")
    for name, train_cnn in (("reference", training.train_cnn), ("no zero_grad", NO_ZERO_GRAD["train_cnn"])):
        gaps = []
        for seed in seeds:
            g = torch.Generator().manual_seed(seed)
            y = torch.arange(90) % 3
            x = torch.tensor([[0.0, 0.0], [1.5, 0.0], [0.75, 1.3]])[y] + torch.randn(90, 2, generator=g)
            best = _optimal_logistic_loss(x, y)
            fit = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(x.double().numpy(), y.numpy())
            sklearn_best = -fit.predict_log_proba(x.double().numpy())[np.arange(90), y.numpy()].mean()
            assert abs(best - sklearn_best) < 1e-6, (best, sklearn_best)  # the test's L-BFGS oracle is right
            torch.manual_seed(seed)
            model = nn.Sequential(nn.Linear(2, 3), nn.LogSoftmax(dim=1))
            out = train_cnn(model, DataLoader(TensorDataset(x, y), batch_size=30),
                            DataLoader(TensorDataset(x, y), batch_size=90), 0.1, 30, "cpu")
            gaps.append(out[1][-1] - best)
        print(f"  {name:13s} gaps {np.round(gaps, 5).tolist()}")


def batchnorm_scaling(seeds=range(5)):
    print("SignsCNN in train mode: max |f(a x) - f(x)| for a = 2, 4")

    def swapped():
        model = signs_cnn.SignsCNN()
        layers = list(model.layers)
        layers[1], layers[2], layers[5], layers[6] = layers[2], layers[1], layers[6], layers[5]
        model.layers = nn.Sequential(*layers)
        return model

    for name, make in (("reference", signs_cnn.SignsCNN), ("BN after ReLU", swapped)):
        worst = []
        for seed in seeds:
            torch.manual_seed(seed)
            model = make().train()
            x = torch.rand(8, 3, 64, 64, generator=torch.Generator().manual_seed(seed + 1))
            with torch.no_grad():
                base = model(x)
                worst.append(max((model(a * x) - base).abs().max().item() for a in (2.0, 4.0)))
        print(f"  {name:13s} {np.array(worst).round(6).tolist()}")


def hypothesis_power():
    """tests/test_model.py's FEW (max_examples of test_output_is_log_probabilities): each mutant's failing tests with 30
    derandomized examples (the grading profile), 5 derandomized and 10 random ones (in process)."""
    import os
    import shutil
    import tempfile

    from hypothesis import settings

    from autograder import course, mutants, suite
    from autograder.selection import Selection

    name = "test_output_is_log_probabilities"
    with tempfile.TemporaryDirectory() as root:
        # A copy of the assignment without the test's own example count, so that each profile below decides it.
        copy_dir = Path(root) / "solutions" / HERE.name
        shutil.copytree(HERE, copy_dir)
        model_tests = copy_dir / "tests" / "test_model.py"
        text = model_tests.read_text()
        assert text.count("@settings(fast_failure, max_examples=FEW)\n") == 1
        model_tests.write_text(text.replace("@settings(fast_failure, max_examples=FEW)\n", "@fast_failure\n"))
        os.environ["DLCOURSE_ROOT"] = root
        assignment = next(a for a in course.assignments() if a.id == HERE.name)
        runs = {"30": dict(max_examples=30), "5": dict(max_examples=5), "r10": dict(max_examples=10, derandomize=False)}
        failed = {}
        for run, changes in runs.items():
            settings.register_profile(f"grading-{run}", parent=settings.get_profile("grading"), **changes)
            os.environ["HYPOTHESIS_PROFILE"] = f"grading-{run}"
            for mutant in mutants.load(assignment):
                with tempfile.TemporaryDirectory() as tmp:
                    folder = mutants.apply(assignment, mutant, Path(tmp) / mutant.name)
                    report, _ = suite.run(assignment, folder, select=Selection(paths=(f"test_model.py::{name}",)))
                failed.setdefault(run, {})[mutant.name] = {t.id.split("::")[-1] for t in report.tests
                                                           if t.outcome != "passed"}
            caught = sorted(m for m, got in failed[run].items() if got)
            missed = {m: sorted(failed["30"][m] - got) for m, got in failed[run].items() if failed["30"][m] - got}
            print(f"{run} examples: caught {caught}; missed (caught with 30): {missed or 'none'}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["power"]:
        hypothesis_power()
        sys.exit()
    batchnorm_scaling()
    convex()
    signs_stand_in()
