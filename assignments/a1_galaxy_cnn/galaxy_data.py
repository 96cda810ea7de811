"""A1, task 2: from the Galaxy10 HDF5 file to normalized DataLoaders.

The file ``Galaxy10.h5`` (the real one, or the offline stand-in written by
``python -m autograder data synth galaxy10``) holds two HDF5 datasets:

* ``images``: uint8, shape ``(N, 69, 69, 3)`` -- height, width, then the three colour
  channels (g, r, i bands shown as RGB);
* ``ans``: integer labels ``0..9`` of shape ``(N,)`` (the ten morphology classes).

PyTorch's convolutions want channels first, ``(N, C, H, W)``, and floats.
"""
import h5py
import torch
from torch.utils.data import DataLoader, TensorDataset
from torchvision.transforms import Normalize


def load_galaxy10_images(path) -> tuple[torch.Tensor, torch.Tensor]:
    """Read the HDF5 file at ``path`` with h5py.

    Returns:
        images: float32 tensor of shape ``(N, 3, 69, 69)`` (channels first) with values in
            ``[0, 1]``: the uint8 pixel values divided by 255.
        labels: int64 tensor of shape ``(N,)`` with values in ``0..9`` (the ``ans`` dataset).
    """
    raise NotImplementedError('h5py gives (N, H, W, C) uint8 arrays; move the channel axis to position 1, convert, scale')


def split_indices(labels: torch.Tensor, val_fraction: float = 0.1, test_fraction: float = 0.1,
                  seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random stratified split of the indices ``0 .. N-1`` into training, validation and test.

    ``labels`` is an int64 tensor of shape ``(N,)``. Stratified means: each class is split on
    its own, so a class with ``n_c`` images puts ``round(val_fraction * n_c)`` of them into
    validation, ``round(test_fraction * n_c)`` into test and the rest into training (rounding
    either way is fine; classes keep their proportions in every split). Which images go where
    is random, drawn from ``torch.Generator().manual_seed(seed)``: the same seed always gives
    the same split, another seed a different one.

    Returns:
        ``(train_idx, val_idx, test_idx)``: int64 tensors of shape ``(n_train,)``,
        ``(n_val,)``, ``(n_test,)``. They are disjoint and together hold every index exactly once.

    Raises:
        ValueError: if a fraction is negative or ``val_fraction + test_fraction >= 1``.
    """
    raise NotImplementedError('per class: torch.nonzero(labels == c), shuffle with torch.randperm(..., generator=...), cut into three parts')


def channel_stats(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation of ``images`` of shape ``(N, C, H, W)``.

    ``mean[c]`` and ``std[c]`` are taken over all ``N * H * W`` pixel values of channel ``c``.
    Returns two float32 tensors of shape ``(C,)``.
    """
    raise NotImplementedError('reduce over the dimensions 0, 2 and 3')


def make_loaders(images: torch.Tensor, labels: torch.Tensor, splits, batch_size: int = 64, seed: int = 0):
    """Normalize the images and wrap each split in a ``TensorDataset`` and a ``DataLoader``.

    ``images``: float32 ``(N, C, H, W)``; ``labels``: int64 ``(N,)``;
    ``splits = (train_idx, val_idx, test_idx)`` as returned by :func:`split_indices`.

    1. ``mean, std = channel_stats(...)`` of the **training** images only: the validation and
       test images stand for data the model has never seen, so they must not influence any
       choice made before training -- the normalization included.
    2. ``normalize = torchvision.transforms.Normalize(mean, std)``; every split is normalized
       with it: ``(x[:, c] - mean[c]) / std[c]``.
    3. Split ``k`` becomes ``TensorDataset(normalize(images[idx_k]), labels[idx_k])``, keeping
       the order of ``idx_k``.
    4. ``DataLoader`` with ``batch_size``: the training loader shuffles (with a generator seeded
       with ``seed``), the validation and test loaders do not.

    Returns:
        ``(train_loader, val_loader, test_loader, normalize)``.
    """
    raise NotImplementedError('statistics from images[train_idx]; Normalize works on a whole (N, C, H, W) tensor')
