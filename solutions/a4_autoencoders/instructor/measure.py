"""Re-measure the thresholds of the A4 tests over several seeds (instructor only, never released).

Run from the repository root:  .venv/bin/python solutions/a4_autoencoders/instructor/measure.py
(add `power` for the detection power of the property tests' example counts instead).
Each block prints one value per seed and the extreme value the test's threshold must clear; the
comments next to the thresholds in tests/ quote these numbers (measured with torch 2.14.1, one CPU
thread; lightning 2.6.6). Takes a few minutes; name blocks to run only those
(``measure.py lightning_vs_plain``).
"""
import copy
import sys
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.decomposition import PCA
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autoencoders import (Autoencoder, ConvAutoencoder, LinearAutoencoder, fit_image_autoencoder,  # noqa: E402
                          retrain_encoder, train_autoencoder, train_lightning)

from autograder.data.synth_mnist import make_mnist  # noqa: E402

torch.set_num_threads(1)
SEEDS = range(10)


def rectangle(n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 2, generator=g) * torch.tensor([4.0, 2.0]) - torch.tensor([2.0, 1.0])


def report(name, values, worst):
    print(f"{name}: {[round(v, 4) for v in values]}  worst {worst(values):.4f}", flush=True)


def mlp_threshold():
    """test_mlp_autoencoder_beats_pca: Autoencoder([50, 50]), 400 full-batch Adam steps, lr 2e-2 (threshold 0.12)."""
    values = []
    for s in range(20):
        torch.manual_seed(s)
        data = rectangle(256, 100 + s)
        model = Autoencoder([50, 50])
        train_autoencoder(model, data, 400, lr=2e-2)
        values.append(F.mse_loss(model(data), data).item())
    report("MLP [50, 50] final MSE", values, max)


def pca_axis():
    """test_pca_autoencoder_learns_first_principal_axis: ||P_decoder - P_pca||_F (tolerance 0.05)."""
    values = []
    for s in SEEDS:
        torch.manual_seed(s)
        data = rectangle(256, 100 + s)
        model = Autoencoder([])
        train_autoencoder(model, data, 300, lr=1e-2)
        w = model.decoder[0].weight.detach().double()
        axis = torch.as_tensor(PCA(1).fit(data.numpy()).components_, dtype=torch.float64)
        values.append(torch.linalg.norm(w @ w.T / (w.T @ w) - axis.T @ axis).item())
    report("PCA autoencoder projector distance", values, max)


def retrain_ratio():
    """test_retrain_encoder_trains_the_encoder: last/first loss of retrain_encoder (threshold 0.6)."""
    values = []
    for s in SEEDS:
        torch.manual_seed(s)
        model = nn.Sequential(OrderedDict(
            encoder=nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)),
            decoder=nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 2))))
        data = rectangle(128, 100 + s)
        train_autoencoder(model, data, 150, lr=2e-2)
        history = retrain_encoder(copy.deepcopy(model), data, 100, lr=2e-2)
        values.append(history[-1] / history[0])
    report("retrain_encoder last/first", values, max)


def digits():
    tx, ty, vx, vy = make_mnist(n_train=300, seed=0)

    def images(a):
        return torch.from_numpy(a).float().div(255)[:, None]

    return images(tx), torch.from_numpy(ty).long(), images(vx), torch.from_numpy(vy).long()


def conv_vs_linear():
    """test_conv_beats_linear_after_short_training: test MSE ratio conv/linear (threshold 0.7, conv < 0.06)."""
    train_x, train_y, test_x, test_y = digits()
    ratios, convs = [], []
    for s in SEEDS:
        torch.manual_seed(s)
        train = DataLoader(TensorDataset(train_x[:256], train_y[:256]), batch_size=16, shuffle=True)
        probe = DataLoader(TensorDataset(test_x[:4], test_y[:4]), batch_size=4)  # as the test: fit's curve unused
        conv, linear = ConvAutoencoder(10), LinearAutoencoder(10)
        fit_image_autoencoder(conv, train, probe, 3, lr=1e-3)
        fit_image_autoencoder(linear, train, probe, 3, lr=1e-3)
        with torch.no_grad():
            c, lin = F.mse_loss(conv(test_x), test_x).item(), F.mse_loss(linear(test_x), test_x).item()
        convs.append(c)
        ratios.append(c / lin)
    report("conv test MSE", convs, max)
    report("conv / linear", ratios, max)


def linear_vs_pca():
    """test_linear_autoencoder_approaches_but_never_beats_pca: MSE / PCA's after 20 epochs (threshold 1.25)."""
    train_x, train_y, _, _ = digits()
    x = train_x - train_x.mean(0, keepdim=True)
    flat = x.flatten(1).double().numpy()
    pca = PCA(10).fit(flat)
    pca_mse = float(((pca.inverse_transform(pca.transform(flat)) - flat) ** 2).mean())
    lowest, final = [], []
    for s in SEEDS:
        torch.manual_seed(s)
        model = LinearAutoencoder(10)
        loader = DataLoader(TensorDataset(x, train_y), batch_size=32, shuffle=True)
        probe = DataLoader(TensorDataset(x[:4], train_y[:4]), batch_size=4)
        errors = []
        for _ in range(4):
            fit_image_autoencoder(model, loader, probe, 5, lr=1e-2)
            with torch.no_grad():
                errors.append(F.mse_loss(model(x).double(), x.double()).item() / pca_mse)
        lowest.append(min(errors))
        final.append(errors[-1])
    report("linear / PCA after 20 epochs", final, max)
    report("lowest linear / PCA seen", lowest, min)


def lightning_vs_plain():
    """test_lightning_matches_the_plain_loop: largest |train_lightning - train_autoencoder| (losses, weights; tolerance 1e-5)."""
    for label, make, n, batch_size, n_epochs, lr in (
            ("test setting: tanh [8], N=20, B=8, 3 epochs", lambda: nn.Sequential(OrderedDict(
                encoder=nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)),
                decoder=nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 2)))), 20, 8, 3, 0.02),
            ("Autoencoder([20, 10]), N=256, B=32, 5 epochs", lambda: Autoencoder([20, 10]), 256, 32, 5, 0.01)):
        losses, weights = [], []
        for s in SEEDS:
            torch.manual_seed(s)
            plain = make()
            lit = copy.deepcopy(plain)
            data = rectangle(n, 100 + s)
            a = train_autoencoder(plain, data, n_epochs, lr=lr, batch_size=batch_size,
                                  generator=torch.Generator().manual_seed(s))
            b = train_lightning(lit, data, n_epochs, lr=lr, batch_size=batch_size,
                                generator=torch.Generator().manual_seed(s))
            losses.append(max(abs(x - y) for x, y in zip(a, b)) if len(a) == len(b) else float("inf"))
            weights.append(max((p - q).abs().max().item() for p, q in zip(plain.parameters(), lit.parameters())))
        report(f"{label}: loss difference", losses, max)
        report(f"{label}: weight difference", weights, max)


def hypothesis_power():
    """The tests' FEW (max_examples of the costly property tests): each mutant's failing property tests with 30
    derandomized examples (the grading profile), 5 derandomized and 10 random ones (in process, about 15 min)."""
    import os
    import re
    import shutil
    import tempfile

    from hypothesis import settings

    from autograder import course, mutants, suite
    from autograder.selection import Selection

    here = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as root:
        # A copy of the assignment without the tests' own example counts, so that each profile below decides them.
        copy_dir = Path(root) / "solutions" / here.name
        shutil.copytree(here, copy_dir)
        for f in (copy_dir / "tests").glob("test_*.py"):
            f.write_text(f.read_text().replace("@settings(max_examples=FEW)\n", ""))
        os.environ["DLCOURSE_ROOT"] = root
        assignment = next(a for a in course.assignments() if a.id == here.name)
        names = [name for f in sorted((copy_dir / "tests").glob("test_*.py"))
                 for name in re.findall(r"@given\((?:[^@]|\n)*?\ndef (test_\w+)", f.read_text())]
        runs = {"30": dict(max_examples=30), "5": dict(max_examples=5), "r10": dict(max_examples=10, derandomize=False)}
        failed = {}
        for run, changes in runs.items():
            settings.register_profile(f"grading-{run}", parent=settings.get_profile("grading"), **changes)
            os.environ["HYPOTHESIS_PROFILE"] = f"grading-{run}"
            for mutant in mutants.load(assignment):
                with tempfile.TemporaryDirectory() as tmp:
                    folder = mutants.apply(assignment, mutant, Path(tmp) / mutant.name)
                    report, _ = suite.run(assignment, folder,
                                          select=Selection((".",), ("-k", " or ".join(names))))
                failed.setdefault(run, {})[mutant.name] = {t.id.split("::")[-1] for t in report.tests
                                                           if t.outcome != "passed"}
            missed = {m: sorted(failed["30"][m] - got) for m, got in failed[run].items() if failed["30"][m] - got}
            print(f"{run} examples: tests that miss a mutant they catch with 30: {missed or 'none'}", flush=True)


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    if sys.argv[1:] == ["power"]:
        hypothesis_power()
        sys.exit()
    for block in (mlp_threshold, pca_axis, retrain_ratio, conv_vs_linear, linear_vs_pca, lightning_vs_plain):
        if sys.argv[1:] and block.__name__ not in sys.argv[1:]:
            continue  # e.g. measure.py lightning_vs_plain: only the blocks named
        print(block.__doc__.strip())
        block()
