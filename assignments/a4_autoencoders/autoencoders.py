"""A4: autoencoders, from a 2-D toy problem to digit images.

Part 1 (2-D toy): points uniform in the rectangle ``[-2, 2] x [-1, 1]``, an MLP autoencoder with a
one-dimensional latent space, and the "PCA autoencoder" (one bias-free linear map each way).
Part 2 (images): 1x28x28 digits with pixel values in ``[0, 1]``, a convolutional autoencoder and a
linear one that we compare with PCA.

Conventions:
* Every autoencoder has two attributes, ``encoder`` and ``decoder``, both ``nn.Sequential``, and its
  ``forward(x)`` is ``decoder(encoder(x))`` -- nothing else happens in ``forward``.
* Data are float32 tensors with the sample index first: ``(N, 2)`` points, ``(N, 1, 28, 28)`` images.
* "MSE" is ``torch.nn.functional.mse_loss`` with its default ``reduction="mean"``: the mean over all
  entries (samples and coordinates/pixels).
* Randomness (initialization, shuffling) comes from torch's global generator unless a
  ``torch.Generator`` is passed, so ``torch.manual_seed(s)`` makes a run reproducible.

Fill in the parts marked ``raise NotImplementedError``.
"""
from __future__ import annotations

import itertools
import logging
import tempfile
import warnings

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from lightning.pytorch.loggers import Logger
from torch import nn
from torch.utils.data import DataLoader, SubsetRandomSampler

# Lightning prints which accelerators it found at every fit; keep its warnings only. Lightning 2.6.6
# still builds torch's LeafSpec, which torch 2.14 reports as deprecated at every step: not your code.
logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
warnings.filterwarnings("ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated")

# ---------------------------------------------------------------------------------------------
# Part 1: the 2-D toy problem
# ---------------------------------------------------------------------------------------------


def sample_rectangle(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` points drawn independently and uniformly from the rectangle ``[-2, 2] x [-1, 1]``.

    Returns a float32 tensor of shape ``(n, 2)``: column 0 is uniform on ``[-2, 2]``, column 1
    uniform on ``[-1, 1]``. Draw all random numbers with ``generator`` (``None``: the global one).
    """
    raise NotImplementedError('torch.rand(n, 2, generator=generator) is uniform on [0, 1); stretch and shift each column')


class Autoencoder(nn.Module):
    """MLP autoencoder ``input_dim -> hidden_channels -> latent_dim -> reversed(hidden_channels) -> input_dim``.

    ``encoder`` (``nn.Sequential``): ``nn.Linear`` layers through the widths
    ``input_dim, h_1, ..., h_k, latent_dim``, each followed by ``nn.ReLU()`` **except the last**:
    the bottleneck is linear (the latent code can take any real value).

    ``decoder`` (``nn.Sequential``): the mirror image, ``nn.Linear`` layers through
    ``latent_dim, h_k, ..., h_1, input_dim``, each followed by ``nn.ReLU()`` **except the last**:
    the output is linear (reconstructions can be negative, like the data).

    Example: ``Autoencoder([20, 10])`` has ``encoder = Linear(2, 20), ReLU, Linear(20, 10), ReLU,
    Linear(10, 1)`` and ``decoder = Linear(1, 10), ReLU, Linear(10, 20), ReLU, Linear(20, 2)``.

    An empty list ``hidden_channels=[]`` builds the **PCA autoencoder**: ``encoder`` is a single
    ``nn.Linear(input_dim, latent_dim, bias=False)`` and ``decoder`` a single
    ``nn.Linear(latent_dim, input_dim, bias=False)``, so the whole model is a linear map
    ``x -> x W_e^T W_d^T``. With hidden layers every ``nn.Linear`` keeps its bias.

    Shapes: ``encoder``: ``(B, input_dim) -> (B, latent_dim)``; ``decoder``: ``(B, latent_dim) -> (B, input_dim)``;
    ``forward(x) = decoder(encoder(x))``: ``(B, input_dim) -> (B, input_dim)``.
    """

    def __init__(self, hidden_channels: list[int], latent_dim: int = 1, input_dim: int = 2):
        super().__init__()
        raise NotImplementedError('list the widths [input_dim, *hidden_channels, latent_dim]; the decoder uses them reversed')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction ``decoder(encoder(x))`` of a batch ``x`` of shape ``(B, input_dim)``."""
        raise NotImplementedError('encode, then decode; no activation in between')


def train_autoencoder(model: nn.Module, data: torch.Tensor, n_epochs: int, lr: float = 1e-2,
                      batch_size: int | None = None, optimizer: str = "adam",
                      generator: torch.Generator | None = None) -> list[float]:
    """Train ``model`` in place to reconstruct ``data`` (MSE loss); return the loss of every step.

    A plain PyTorch loop. ``data`` has shape ``(N, ...)``; the target of each sample is the sample
    itself.

    * ``optimizer="adam"``: ``torch.optim.Adam(params, lr=lr)``; ``optimizer="sgd"``:
      ``torch.optim.SGD(params, lr=lr)`` (plain gradient descent, no momentum). ``params`` are the
      model's parameters with ``requires_grad=True`` (frozen ones are left alone). Any other name
      raises ``ValueError``.
    * Each epoch visits every sample once, in the order ``torch.randperm(N, generator=generator)``
      (a new order every epoch), cut into consecutive batches of ``batch_size`` samples; the last
      batch of an epoch may be smaller. ``batch_size=None`` means full batch: one step per epoch on
      all of ``data`` (then "sgd" is full-batch gradient descent).
    * Every step: zero the gradients, compute the batch's MSE, back-propagate, update.

    Returns a list of ``n_epochs * ceil(N / batch_size)`` Python floats: the MSE of each step's batch,
    computed **before** that step's update (so with full batch, element 0 is the MSE of the
    untrained model on ``data``).
    """
    raise NotImplementedError('build the optimizer once, then for each epoch loop over randperm(N) in slices of batch_size')


def examples_seen(n_samples: int, batch_size: int | None, n_epochs: int) -> list[int]:
    """Number of training examples seen after each step of :func:`train_autoencoder`.

    With the same ``n_samples`` (``N``), ``batch_size`` and ``n_epochs``, element ``t`` is the total
    number of samples in steps ``0..t``: a list of ``n_epochs * ceil(N / batch_size)`` ints ending at
    ``n_epochs * N``. Example: ``examples_seen(10, 4, 2) == [4, 8, 10, 14, 18, 20]``.
    ``batch_size=None`` (full batch) gives ``[N, 2N, ..., n_epochs * N]``.
    Use it as the x-axis to compare optimizers that take steps of different sizes.
    """
    raise NotImplementedError('list the batch sizes of one epoch (the last may be smaller), repeat, accumulate')


def decode_latent_line(model: nn.Module, z_min: float, z_max: float, n: int = 200) -> torch.Tensor:
    """Decode ``n`` evenly spaced latent values from ``z_min`` to ``z_max`` (a 1-D latent space).

    The latent values are ``torch.linspace(z_min, z_max, n)`` as a batch of shape ``(n, 1)``.
    Returns ``model.decoder`` of them, shape ``(n, input_dim)``, computed without gradient
    tracking (the result has ``requires_grad=False``): the curve the decoder draws in data space.
    """
    raise NotImplementedError('torch.linspace(...)[:, None], then the decoder inside torch.no_grad()')


def retrain_encoder(model: nn.Module, data: torch.Tensor, n_epochs: int, lr: float = 1e-2,
                    batch_size: int | None = None, generator: torch.Generator | None = None) -> list[float]:
    """Re-initialize ``model.encoder`` and train only it, with ``model.decoder`` frozen.

    1. Re-initialize every layer of the encoder as if it were newly built: call
       ``reset_parameters()`` on each submodule that has it (fresh random weights from torch's
       global generator; the trained values are gone).
    2. Freeze the decoder: ``requires_grad = False`` for all its parameters (it stays frozen).
    3. Train with :func:`train_autoencoder` (Adam, the given ``lr``, ``batch_size``, ``generator``).

    The decoder's parameters are unchanged at the end. ``n_epochs=0`` only re-initializes.
    Returns the loss history of step 3.
    """
    raise NotImplementedError('model.encoder.modules() visits every layer; hasattr(layer, "reset_parameters")')


# ---------------------------------------------------------------------------------------------
# Part 1b: the same training with PyTorch Lightning
# ---------------------------------------------------------------------------------------------


class MemoryLogger(Logger):
    """A Lightning logger that keeps every logged value in memory and writes no file (given, not graded).

    Each time the ``Trainer`` logs, ``log_metrics`` appends ``(step, {name: value})`` to ``history``;
    ``values(name)`` lists the values logged under ``name``, in order, as Python floats.
    """

    def __init__(self):
        super().__init__()
        self.history: list[tuple[int | None, dict[str, float]]] = []

    @property
    def name(self) -> str:
        return "memory"

    @property
    def version(self) -> int:
        return 0

    def log_hyperparams(self, params, *args, **kwargs) -> None:
        pass

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self.history.append((step, {k: float(v) for k, v in metrics.items()}))

    def values(self, name: str) -> list[float]:
        return [metrics[name] for _step, metrics in self.history if name in metrics]


class LitAutoencoder(pl.LightningModule):
    """A ``LightningModule`` that trains an autoencoder ``model`` (e.g. an :class:`Autoencoder`) like
    :func:`train_autoencoder` with ``optimizer="adam"``.

    ``LitAutoencoder(model, lr)`` keeps the autoencoder itself (not a copy: training changes it in
    place) as the attribute ``model`` (a submodule, so its parameters are this module's) and the
    learning rate as ``lr``.
    """

    def __init__(self, model: nn.Module, lr: float = 1e-2):
        raise NotImplementedError('call super().__init__() first, then store model and lr as attributes')

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        """One step on a batch of shape ``(B, input_dim)`` (its own target).

        Computes the batch's MSE (``F.mse_loss(model(batch), batch)``), logs it under the name
        ``"train_mse"`` once per step (``self.log``; its defaults in ``training_step`` log per step),
        and returns it: Lightning back-propagates the returned loss and updates the parameters.
        """
        raise NotImplementedError('loss = F.mse_loss(...); self.log("train_mse", loss); return loss')

    def configure_optimizers(self) -> torch.optim.Optimizer:
        """``torch.optim.Adam`` over the model's parameters with ``requires_grad=True``, ``lr=self.lr``."""
        raise NotImplementedError('the same optimizer as train_autoencoder\'s "adam"')


def lightning_trainer(n_epochs: int, root_dir: str) -> pl.Trainer:
    """A ``pl.Trainer`` for ``n_epochs`` epochs on one CPU that writes no file.

    Pass ``max_epochs=n_epochs``, ``accelerator="cpu"``, ``devices=1``, ``logger=MemoryLogger()`` (a
    new one), ``log_every_n_steps=1`` (log every step; the default logs every 50th),
    ``enable_checkpointing=False``, ``enable_progress_bar=False``, ``enable_model_summary=False`` and
    ``default_root_dir=root_dir`` (a folder outside the student's folder: Lightning's default is the
    current folder).
    """
    raise NotImplementedError('pl.Trainer(max_epochs=..., accelerator="cpu", devices=1, logger=MemoryLogger(), ...)')


def train_lightning(model: nn.Module, data: torch.Tensor, n_epochs: int, lr: float = 1e-2,
                    batch_size: int | None = None, generator: torch.Generator | None = None) -> list[float]:
    """Train ``model`` in place with Lightning, as :func:`train_autoencoder` does with Adam; return the
    logged ``"train_mse"`` of every step.

    * Data: ``DataLoader(data, batch_size=B, sampler=SubsetRandomSampler(range(N), generator=generator))``
      with ``B = batch_size``, or ``B = N`` for ``batch_size=None`` (full batch: a ``DataLoader``
      given ``batch_size=None`` would yield single samples). The sampler visits the samples in the
      order ``torch.randperm(N, generator=generator)``, a new one every epoch: for the same
      ``generator`` seed the batches are exactly those of :func:`train_autoencoder`.
    * Training: ``LitAutoencoder(model, lr)`` fitted by ``lightning_trainer(n_epochs, root)``, where
      ``root`` is a fresh ``tempfile.TemporaryDirectory()``, removed at the end: nothing is written
      into your folder.

    Returns ``trainer.logger.values("train_mse")``: ``n_epochs * ceil(N / B)`` Python floats, the MSE
    of each step's batch before that step's update (as :func:`train_autoencoder` returns them).
    """
    raise NotImplementedError('the DataLoader, then fit a LitAutoencoder with lightning_trainer(n_epochs, root), root a TemporaryDirectory')


# ---------------------------------------------------------------------------------------------
# Part 2: digit images, 1 x 28 x 28 in [0, 1]
# ---------------------------------------------------------------------------------------------


class ConvAutoencoder(nn.Module):
    """Convolutional autoencoder for ``(B, 1, 28, 28)`` images with a ``latent_dim``-dimensional code.

    ``encoder`` (``nn.Sequential``), spatial size in brackets::

        Conv2d(1 -> 32,  kernel 3, stride 2, padding 1), ReLU     # 28 -> 14
        Conv2d(32 -> 64, kernel 3, stride 2, padding 1), ReLU     # 14 -> 7
        Conv2d(64 -> 128, kernel 3, stride 2, padding 1), ReLU    # 7 -> 4
        Flatten                                                   # 128 * 4 * 4 = 2048
        Linear(2048 -> latent_dim)                                # linear bottleneck

    ``decoder`` (``nn.Sequential``), the mirror image::

        Linear(latent_dim -> 2048), ReLU
        Unflatten to (128, 4, 4)
        ConvTranspose2d(128 -> 64, kernel 3, stride 2, padding 1, output_padding ?), ReLU   # 4 -> 7
        ConvTranspose2d(64 -> 32,  kernel 3, stride 2, padding 1, output_padding ?), ReLU   # 7 -> 14
        ConvTranspose2d(32 -> 1,   kernel 3, stride 2, padding 1, output_padding ?)         # 14 -> 28
        Sigmoid                                                   # pixels in (0, 1)

    A transposed convolution gives ``H_out = (H_in - 1) * stride - 2 * padding + kernel + output_padding``
    (``output_padding < stride``): choose each ``output_padding`` so the sizes are 7, 14, 28.

    Shapes: ``encoder``: ``(B, 1, 28, 28) -> (B, latent_dim)``; ``decoder``: ``(B, latent_dim) -> (B, 1, 28, 28)``;
    ``forward(x) = decoder(encoder(x))`` has the shape of ``x`` for every ``latent_dim >= 1`` and batch size.
    Trainable parameters: ``187,265 + 4,097 * latent_dim``.
    """

    def __init__(self, latent_dim: int):
        super().__init__()
        raise NotImplementedError('two nn.Sequential of the layers above; the size formula tells each output_padding')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction of a batch of images ``(B, 1, 28, 28)``, same shape, values in ``(0, 1)``."""
        raise NotImplementedError('encode, then decode')


class LinearAutoencoder(nn.Module):
    """Linear autoencoder ``784 -> latent_dim -> 784`` without biases, for ``(B, 1, 28, 28)`` images.

    ``encoder`` (``nn.Sequential``): Flatten, then Linear(784 -> latent_dim) without bias:
    ``(B, 1, 28, 28) -> (B, latent_dim)``.
    ``decoder`` (``nn.Sequential``): Linear(latent_dim -> 784) without bias, then Unflatten to ``(1, 28, 28)``:
    ``(B, latent_dim) -> (B, 1, 28, 28)``. No activation anywhere: ``forward`` is a linear map of rank
    at most ``latent_dim``, so (Eckart-Young) its reconstruction error can never beat the best rank-``latent_dim``
    approximation of the data. Trainable parameters: ``2 * 784 * latent_dim``.
    """

    def __init__(self, latent_dim: int = 10):
        super().__init__()
        raise NotImplementedError('two bias-free nn.Linear layers, with Flatten / Unflatten around them')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction of ``(B, 1, 28, 28)`` images, same shape (values are not clipped)."""
        raise NotImplementedError('encode, then decode')


def fit_image_autoencoder(model: nn.Module, train_loader, test_loader, n_epochs: int,
                          lr: float = 1e-3) -> tuple[list[float], list[float]]:
    """Train ``model`` in place on images with Adam and the MSE loss; return the per-epoch MSEs.

    Both loaders yield ``(images, labels)`` batches (images ``(B, 1, 28, 28)`` float32; labels are
    ignored). For each of the ``n_epochs`` epochs:

    * train: training mode (``model.train(True)``), one Adam step (``torch.optim.Adam(model.parameters(), lr=lr)``,
      created once) per batch of ``train_loader``; the epoch's **train MSE** is the mean of the
      batch losses weighted by batch size, i.e. ``sum(loss_b * B_b) / sum(B_b)`` (the loss each
      batch had when it was used);
    * evaluate: evaluation mode (``model.train(False)``, the same as ``eval()``) and ``torch.no_grad()``; the epoch's **test MSE** is the MSE over
      all test images (again weighted by batch size) after that epoch's training.

    Returns ``(train_mse, test_mse)``: two lists of ``n_epochs`` Python floats.
    """
    raise NotImplementedError('sum loss.item() * len(images) over the batches and divide by the number of images')


def encode_images(model: nn.Module, loader) -> tuple[torch.Tensor, torch.Tensor]:
    """Latent codes and labels of every image of ``loader`` (batches ``(images, labels)``).

    Runs ``model.encoder`` in evaluation mode (``model.train(False)``, the same as ``eval()``) without gradient tracking and
    concatenates the batches in the loader's order. Returns ``(codes, labels)`` with shapes
    ``(N, latent_dim)`` (float32, ``requires_grad=False``) and ``(N,)``.
    """
    raise NotImplementedError('collect model.encoder(images) per batch inside torch.no_grad(), then torch.cat')
