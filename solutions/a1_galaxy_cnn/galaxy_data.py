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
    ### BEGIN SOLUTION hint: h5py gives (N, H, W, C) uint8 arrays; move the channel axis to position 1, convert, scale
    with h5py.File(path, "r") as f:
        raw_images = torch.from_numpy(f["images"][()])
        raw_labels = torch.from_numpy(f["ans"][()])
    images = raw_images.permute(0, 3, 1, 2).to(torch.float32).div_(255.0).contiguous()
    return images, raw_labels.to(torch.int64)
    ### END SOLUTION


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
    ### BEGIN SOLUTION hint: per class: torch.nonzero(labels == c), shuffle with torch.randperm(..., generator=...), cut into three parts
    if val_fraction < 0 or test_fraction < 0 or val_fraction + test_fraction >= 1:
        raise ValueError(f"need 0 <= val_fraction, test_fraction and a sum below 1, got {val_fraction}, {test_fraction}")
    generator = torch.Generator().manual_seed(seed)
    train_parts, val_parts, test_parts = [], [], []
    for c in torch.unique(labels).tolist():  # stratified: each class is split on its own
        members = torch.nonzero(labels == c).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        n_val = round(val_fraction * len(members))
        n_test = round(test_fraction * len(members))
        val_parts.append(members[:n_val])
        test_parts.append(members[n_val:n_val + n_test])
        train_parts.append(members[n_val + n_test:])
    return tuple(torch.cat(parts).to(torch.int64) for parts in (train_parts, val_parts, test_parts))
    ### END SOLUTION


def channel_stats(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation of ``images`` of shape ``(N, C, H, W)``.

    ``mean[c]`` and ``std[c]`` are taken over all ``N * H * W`` pixel values of channel ``c``.
    Returns two float32 tensors of shape ``(C,)``.
    """
    ### BEGIN SOLUTION hint: reduce over the dimensions 0, 2 and 3
    std, mean = torch.std_mean(images, dim=(0, 2, 3))
    return mean.to(torch.float32), std.to(torch.float32)
    ### END SOLUTION


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
    ### BEGIN SOLUTION hint: statistics from images[train_idx]; Normalize works on a whole (N, C, H, W) tensor
    train_idx, val_idx, test_idx = splits
    mean, std = channel_stats(images[train_idx])
    normalize = Normalize(mean.tolist(), std.tolist())
    datasets = [TensorDataset(normalize(images[idx]), labels[idx]) for idx in (train_idx, val_idx, test_idx)]
    shuffling = torch.Generator().manual_seed(seed)  # reproducible order of the training batches
    train_loader = DataLoader(datasets[0], batch_size=batch_size, shuffle=True, generator=shuffling)
    val_loader = DataLoader(datasets[1], batch_size=batch_size)
    test_loader = DataLoader(datasets[2], batch_size=batch_size)
    return train_loader, val_loader, test_loader, normalize
    ### END SOLUTION
