"""A2: contrastive learning with the NT-Xent (InfoNCE) loss of SimCLR.

Notation (as in the lecture): an observation ``x_k`` gives two views through random
transformations; the encoder ``f`` maps a view to ``h`` and the projection head ``g`` maps
``h`` to ``z``. A batch holds ``N`` pairs of embeddings: ``z1[k]`` and ``z2[k]`` are the two
views of observation ``k`` (a *positive* pair); every other embedding in the batch is a
*negative* for them. Similarity is cosine similarity, scaled by a temperature ``tau``.

Fill in the parts marked ``raise NotImplementedError``. Check your work with
``python -m autograder check a2_contrastive --submission .``
"""
import torch
import torch.nn.functional as F
from torch import nn


def info_nce_loss(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """NT-Xent loss of SimCLR for ``N`` positive pairs ``(z1[k], z2[k])``; a 0-dim tensor.

    ``z1`` and ``z2`` have shape ``(N, D)`` and a floating dtype; the result has the same dtype.
    Stack the ``2N`` embeddings as ``u = [z1; z2]`` and L2-normalize each row, so that
    ``s_ij = u_i . u_j`` is the cosine similarity. Anchor ``i`` has exactly one positive
    ``p(i)`` (its partner view: row ``k`` of ``z1`` pairs with row ``k`` of ``z2``) and
    ``2N - 2`` negatives (all other rows). Its own similarity ``s_ii`` is left out::

        l_i  = -log( exp(s_{i,p(i)} / tau) / sum_{j != i} exp(s_ij / tau) )
        loss = (1 / 2N) * sum_{i=1}^{2N} l_i                 (mean over all 2N anchors)

    Both views serve as anchors, so the loss is symmetric in ``(z1, z2)``. Compute it with a
    log-sum-exp (e.g. ``torch.logsumexp`` or ``F.cross_entropy``), never with ``exp`` followed
    by ``log``: at ``tau = 0.01`` the terms reach ``exp(100)``, which overflows float32.

    Raises:
        ValueError: if ``z1`` and ``z2`` are not 2-D tensors of the same shape, if ``N < 2``,
            or if ``temperature <= 0``.
    """
    raise NotImplementedError('check the inputs; normalize [z1; z2]; mask the diagonal with -inf; the target of row i is its partner row')


def loss_gradients(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5):
    """Given code, do not edit: ``(loss, d loss / d z1, d loss / d z2)`` of your ``info_nce_loss``.

    The grader compares these autograd gradients with finite differences of your loss
    (``torch.autograd.gradcheck``). They only exist if the loss is built from torch
    operations on ``z1`` and ``z2``: no ``.item()``, ``.numpy()`` or ``.detach()`` inside.
    """
    with torch.enable_grad():
        z1 = z1.detach().clone().requires_grad_(True)
        z2 = z2.detach().clone().requires_grad_(True)
        loss = info_nce_loss(z1, z2, temperature)
        if not (isinstance(loss, torch.Tensor) and loss.requires_grad):
            raise RuntimeError("info_nce_loss returned a value without gradient: build it from torch "
                               "operations on z1 and z2 (no .item(), .numpy() or .detach())")
        grad_z1, grad_z2 = torch.autograd.grad(loss, (z1, z2))
    return loss.detach(), grad_z1, grad_z2


class SimpleEncoder(nn.Module):
    """A tiny encoder for 3x32x32 images, with L2-normalized 128-dimensional outputs.

    Layers, in order (no activation function anywhere)::

        Conv2d(3 -> 16, kernel_size=3, stride=2, padding=1)   (B, 3, 32, 32) -> (B, 16, 16, 16)
        flatten all but the batch dimension, x.flatten(1)     (B, 16, 16, 16) -> (B, 4096)
        Linear(4096 -> 128)                                   (B, 4096) -> (B, 128)
        L2-normalize each row: z / ||z||                      (B, 128), every row has norm 1

    So ``forward`` maps a float32 batch ``(B, 3, 32, 32)`` to ``(B, 128)`` for any ``B >= 1``;
    the model has 3*16*3*3 + 16 + 4096*128 + 128 = 524,864 trainable parameters.
    """

    def __init__(self):
        super().__init__()
        raise NotImplementedError('create one nn.Conv2d and one nn.Linear with the sizes listed above')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError('convolution, x.flatten(1), linear layer, then F.normalize(..., dim=1)')


TOY_NAMES = ("C1", "C2", "B1")


def make_toy_images(seed: int) -> torch.Tensor:
    """Given code: the three toy "images" ``C1, C2, B1`` as one float32 tensor ``(3, 3, 32, 32)``.

    As on the exercise sheet: ``C1`` and ``B1`` have independent standard normal pixels
    (``torch.randn``) and ``C2 = C1 + 0.5 * noise`` with standard normal noise, so ``C2`` is a
    second view of ``C1`` (the transformation family is "add Gaussian noise") and ``B1`` is
    unrelated. The pixels have mean 0, so even the untrained encoder maps ``C1`` much closer to
    ``C2`` than to ``B1``: the premise the method needs. A generator seeded with ``seed`` makes
    the images reproducible, without touching torch's global random state.
    """
    rng = torch.Generator().manual_seed(seed)
    c1 = torch.randn(3, 32, 32, generator=rng)
    b1 = torch.randn(3, 32, 32, generator=rng)
    c2 = c1 + 0.5 * torch.randn(3, 32, 32, generator=rng)
    return torch.stack([c1, c2, b1])


def contrastive_toy_experiment(steps: int = 30, lr: float = 1e-3, seed: int = 0, temperature: float = 0.5) -> dict:
    """Train a fresh ``SimpleEncoder`` for ``steps`` Adam updates on the three toy images.

    Recipe:

    1. Seed torch's global generator with ``seed`` (``torch.manual_seed``), then build a
       ``SimpleEncoder`` (so its initial weights depend on ``seed`` only); the images are
       ``make_toy_images(seed)``.
    2. The batch has ``N = 2`` pairs: ``(C1, C2)`` -- two views of one observation -- and
       ``(B1, B1)``: ``B1`` has no second view, so it is paired with itself (the identity is
       also a transformation). So ``z1 = f([C1, B1])``, ``z2 = f([C2, B1])``.
    3. Each step: zero the gradients, compute ``info_nce_loss(z1, z2, temperature)``,
       backpropagate, take one ``torch.optim.Adam`` step with learning rate ``lr`` (Adam's other
       settings at their defaults). Record the loss of every step (the value before that step's update).

    Returns a dict of float32 tensors (embeddings and similarities without gradient):

        "images":            (3, 3, 32, 32)  C1, C2, B1
        "embeddings_before": (3, 128)        f(C1), f(C2), f(B1) before training (unit rows)
        "embeddings_after":  (3, 128)        the same after the last update
        "similarity_before": (3, 3)          cosine similarities, entry [i, j] = cos(z_i, z_j)
        "similarity_after":  (3, 3)
        "losses":            (steps,)        the loss of each step
    """
    raise NotImplementedError('follow the recipe; detach the before/after embeddings from the graph')
