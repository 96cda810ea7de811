"""A5, tasks 2-4: convolution arithmetic, the SIGNS data set, and a small CNN for hand signs.

SIGNS: 64x64 RGB photos of a hand showing 0 to 5 fingers (label = number of fingers).
``autograder.data.load_signs`` returns the images as uint8 arrays of shape ``(N, 64, 64, 3)``
(height, width, channel) and the labels as int64 arrays of shape ``(N,)``. PyTorch layers want
float images in ``(C, H, W)`` layout: converting is the data set's job.

Fill in the parts marked ``raise NotImplementedError``.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset


def _pair(value, name: str) -> tuple[int, int]:
    """``value`` as an ``(h, w)`` pair of ints: an int ``v`` means ``(v, v)``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


def conv2d_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1) -> tuple[int, int]:
    """Output height and width of ``nn.Conv2d`` (or a pooling layer) for an input of size ``(H, W)``.

    ``kernel_size``, ``stride``, ``padding`` (zeros added on each edge) and ``dilation`` are each an
    int (the same for both axes) or an ``(h, w)`` pair, as in ``nn.Conv2d``. Per axis::

        H_out = floor((H + 2 p - d (K - 1) - 1) / s) + 1

    (with ``d = 1`` this is ``floor((H + 2 p - K) / s) + 1``). Returns a tuple of two Python ints.

    Raises:
        ValueError: if a size, kernel size, stride or dilation is not positive, a padding is negative,
            or the (dilated) kernel ``d (K - 1) + 1`` is larger than the padded input ``H + 2 p``.
    """
    H, W = _pair(input_size, "input_size")
    raise NotImplementedError('check the arguments, then apply the formula to each axis with integer division //')


def split_train_val(labels, n_val_per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split of a labelled set into training and validation indices.

    ``labels``: 1-D array of class labels (ints). For every class, ``n_val_per_class`` of its
    indices, drawn at random with ``np.random.default_rng(seed)``, go to validation; all other
    indices go to training. For SIGNS (1080 images, 180 per class) and ``n_val_per_class=20`` this
    gives 960 training and 120 validation images (160 / 20 per class).

    Returns ``(train_idx, val_idx)``: two sorted int64 arrays, disjoint, together ``0 .. N-1``.
    The same ``seed`` always gives the same split.

    Raises:
        ValueError: if ``n_val_per_class`` is negative or some class has fewer than
            ``n_val_per_class + 1`` examples (training would get none of it).
    """
    labels = np.asarray(labels)
    raise NotImplementedError('for each class c, np.flatnonzero(labels == c) gives its indices; rng.choice picks some without replacement')


class SignsDataset(Dataset):
    """SIGNS images and labels as a ``torch.utils.data.Dataset``.

    ``images``: uint8 array (or tensor) of shape ``(N, H, W, 3)`` with values 0..255, as
    ``load_signs`` returns them; ``labels``: array of ``N`` ints.

    ``len(dataset)`` is ``N``; ``dataset[i]`` is a pair ``(image, label)``:

    * ``image``: float32 tensor of shape ``(3, H, W)`` (channels first), values in ``[0, 1]``:
      ``image[c, h, w] = images[i, h, w, c] / 255``
    * ``label``: int64 tensor of shape ``()`` (a 0-dimensional tensor)

    so a ``DataLoader`` stacks them into ``(B, 3, H, W)`` float32 images and ``(B,)`` int64 labels.

    Raises:
        ValueError: if ``images`` is not 4-D with 3 channels last, or the counts of images and labels differ.
    """

    def __init__(self, images, labels):
        raise NotImplementedError('check the shapes and keep the arrays; converting one image at a time in __getitem__ is fine')

    def __len__(self) -> int:
        raise NotImplementedError('the number of images')

    def __getitem__(self, index):
        raise NotImplementedError('HWC -> CHW with permute, uint8 -> float32 in [0, 1]; the label as a 0-d int64 tensor')


class SignsCNN(nn.Module):
    """A small CNN for 64x64 SIGNS images: ``(B, 3, 64, 64)`` float32 -> log-probabilities ``(B, 6)``.

    It computes these layers, in exactly this order (one ``nn.Sequential`` is the easiest way)::

        Conv2d(3 -> 4, kernel 3, stride 1, padding "same" = 1)   -> (B, 4, 64, 64)
        BatchNorm2d(4), ReLU, MaxPool2d(kernel 2, stride 2)       -> (B, 4, 32, 32)
        Conv2d(4 -> 8, kernel 3, stride 1, padding "same" = 1)   -> (B, 8, 32, 32)
        BatchNorm2d(8), ReLU, MaxPool2d(kernel 2, stride 2)       -> (B, 8, 16, 16)
        Flatten                                                   -> (B, 2048)
        Linear(2048 -> 64), ReLU, Linear(64 -> 6)                 -> (B, 6)
        LogSoftmax over the class dimension                       -> (B, 6)

    BatchNorm sits between each convolution and its ReLU. The layers with parameters (the two
    ``Conv2d``, the two ``BatchNorm2d`` and the two ``Linear``) are ``torch.nn`` modules registered
    in the model (as attributes, in an ``nn.Sequential`` or an ``nn.ModuleList``; any names, any
    registration order), so that ``parameters()``, ``train()``/``eval()`` and ``to(device)`` reach
    them; ReLU, max-pooling, flattening and the log-softmax may be modules or the functions of
    ``torch.nn.functional``. The model has exactly 131,958 trainable parameters. Its output are log-probabilities: ``output.exp()`` has rows summing
    to 1, and the matching loss is ``nn.NLLLoss`` (not ``nn.CrossEntropyLoss``, which would apply
    a log-softmax a second time).
    """

    def __init__(self):
        super().__init__()
        raise NotImplementedError('one nn.Sequential with the thirteen layers listed above, in that order')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: float32 ``(B, 3, 64, 64)``; returns log-probabilities ``(B, 6)``."""
        raise NotImplementedError('run the layers in order')
