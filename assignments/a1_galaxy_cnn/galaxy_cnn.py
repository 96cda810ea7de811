"""A1, tasks 3 and 7: the Galaxy10 classifier and a version invariant to 90-degree rotations."""
import torch
from torch import nn


class GalaxyCNN(nn.Module):
    """Convolutional classifier for 69x69 colour images, 10 classes.

    Layers, in this order (``k`` = kernel size; no padding, stride 1)::

        Conv2d(3 -> 8, k=5)   ReLU   MaxPool2d(2)     (B, 8, 65, 65) -> (B, 8, 32, 32)
        Conv2d(8 -> 16, k=5)  ReLU   MaxPool2d(2)     (B, 16, 28, 28) -> (B, 16, 14, 14)
        Flatten                                        (B, 16 * 14 * 14) = (B, 3136)
        Linear(3136 -> 64)    ReLU
        Linear(64 -> 32)      ReLU
        Linear(32 -> 10)                               (B, 10)

    207,002 trainable parameters. ``forward`` maps float32 ``(B, 3, 69, 69)`` to float32
    ``(B, 10)`` **logits** (raw scores, no softmax) for any batch size ``B >= 1``.
    """

    def __init__(self):
        super().__init__()
        raise NotImplementedError('two nn.Sequential blocks (features, classifier) make forward a one-liner')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError('apply the layers in order; return the logits of the last Linear layer')


class RotationInvariantCNN(nn.Module):
    """Bonus: predictions that do not change when the image is rotated by 90, 180 or 270 degrees.

    Wraps a classifier ``base`` (a fresh :class:`GalaxyCNN` if none is given). The logits are
    the mean of the base model's logits over the four rotations of the input::

        logits(x) = 1/4 * sum_{k=0..3} base(rot_k(x)),   rot_k = torch.rot90(., k, dims=(2, 3))

    Rotating ``x`` by 90 degrees only permutes the four terms, so the mean, and the
    prediction, are exactly invariant. Input ``(B, 3, H, W)`` with ``H == W``; output ``(B, 10)``.
    """

    def __init__(self, base: nn.Module | None = None):
        super().__init__()
        self.base = base if base is not None else GalaxyCNN()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError('torch.rot90(x, k, dims=(2, 3)) rotates the image plane; average the base logits')
