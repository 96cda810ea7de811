"""Re-measure the thresholds of the A4 tests over several seeds (instructor only, never released).

Run from the repository root:  .venv/bin/python solutions/a4_autoencoders/instructor/measure.py
Each block prints one value per seed and the extreme value the test's threshold must clear; the
comments next to the thresholds in tests/ quote these numbers (measured with torch 2.14.1, one CPU
thread). Takes about a minute.
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
                          retrain_encoder, train_autoencoder)

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


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    for block in (mlp_threshold, pca_axis, retrain_ratio, conv_vs_linear, linear_vs_pca):
        print(block.__doc__.strip())
        block()
