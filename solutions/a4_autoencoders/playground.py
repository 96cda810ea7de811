"""A4 bonus: an offline MLP playground for 2-D classification.

An offline version of the online "neural network playground": four 2-D data sets, an MLP with a choice
of hidden layers, neurons and activation, plain gradient descent with a learning rate, L1 or L2
regularisation with a rate, and a train/test split with a ratio.

Conventions:
* Points are a float32 tensor ``X`` of shape ``(n, 2)``; labels an int64 tensor ``y`` of shape ``(n,)``
  with values in ``{0, 1}``.
* A model maps ``(B, 2)`` points to ``(B, 2)`` logits (one per class); the data loss is
  ``torch.nn.functional.cross_entropy`` with its default ``reduction="mean"``.
* Regularisation follows the playground: it penalises the **weights** of the ``nn.Linear`` layers only
  (biases are not penalised); L1 is ``rate * sum |w|`` and L2 is ``rate * (1/2) * sum w^2`` (with the 1/2,
  so its gradient is ``rate * w``).

Fill in the parts marked ``raise NotImplementedError``.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

DATASETS = ("circle", "xor", "gauss", "spiral")
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}


def make_dataset(name: str, n: int, noise: float = 0.0, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` labelled points of the 2-D data set ``name``: ``(X, y)``, X float32 ``(n, 2)``, y int64 ``(n,)``.

    Draw every random number from ``g = torch.Generator().manual_seed(seed)`` (same seed, same data).
    ``s`` below is uniform on ``[0, 1)``, ``theta`` uniform on ``[0, 2 pi)``; a radius ``r`` and an
    angle ``theta`` give the point ``(r cos(theta), r sin(theta))``.

    * ``"circle"``: ``n // 2`` points of class 1 inside the disc, radius ``r = s`` (``r < 1``), and
      ``n - n // 2`` points of class 0 on the ring, radius ``r = 1.5 + s`` (``1.5 <= r < 2.5``).
    * ``"xor"``: ``n`` points uniform in the square ``[-2, 2] x [-2, 2]``; class 1 where
      ``x_1 * x_2 > 0`` (first and third quadrants), class 0 elsewhere.
    * ``"gauss"``: ``n // 2`` points of class 1 from a Gaussian centred at ``(1, 1)`` and ``n - n // 2``
      points of class 0 centred at ``(-1, -1)``, both with standard deviation 0.5 in each coordinate.
    * ``"spiral"``: two arms; ``n // 2`` points of class 1 and ``n - n // 2`` of class 0, each at
      radius ``r = 2.5 s`` and angle ``theta = 3 pi s + pi y``: the arm of class 1 is the arm of
      class 0 turned by ``pi``.

    ``noise`` is the standard deviation of Gaussian noise added to both coordinates of every point
    **after** the labels are fixed (``noise=0``: the exact geometry above). The order of the points is
    free. Any other ``name`` raises ``ValueError``.
    """
    ### BEGIN SOLUTION hint: draw with generator=g; build each class's points, then torch.cat and add noise * randn
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}: choose one of {', '.join(DATASETS)}")
    g = torch.Generator().manual_seed(seed)
    n_one, n_zero = n // 2, n - n // 2
    y = torch.cat([torch.ones(n_one, dtype=torch.int64), torch.zeros(n_zero, dtype=torch.int64)])
    if name == "circle":
        s = torch.rand(n, generator=g)
        radius = torch.where(y == 1, s, 1.5 + s)
        theta = 2 * math.pi * torch.rand(n, generator=g)
        X = torch.stack([radius * torch.cos(theta), radius * torch.sin(theta)], dim=1)
    elif name == "xor":
        X = 4 * torch.rand(n, 2, generator=g) - 2
        y = (X[:, 0] * X[:, 1] > 0).to(torch.int64)
    elif name == "gauss":
        centre = torch.where(y[:, None] == 1, 1.0, -1.0)  # (n, 1): (1, 1) or (-1, -1)
        X = centre + 0.5 * torch.randn(n, 2, generator=g)
    else:  # spiral
        s = torch.rand(n, generator=g)
        radius, theta = 2.5 * s, 3 * math.pi * s + math.pi * y
        X = torch.stack([radius * torch.cos(theta), radius * torch.sin(theta)], dim=1)
    X = X + noise * torch.randn(n, 2, generator=g)  # labels stay those of the noiseless points
    return X.to(torch.float32), y
    ### END SOLUTION


def split_train_test(X: torch.Tensor, y: torch.Tensor, train_ratio: float,
                     seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random train/test split: ``(X_train, y_train, X_test, y_test)``.

    With ``n = len(X)``, ``perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))`` and
    ``n_train = round(train_ratio * n)``: the training set is rows ``perm[:n_train]`` of ``X`` and ``y``,
    the test set rows ``perm[n_train:]`` (each point keeps its label). ``train_ratio`` is in ``[0, 1]``.
    """
    ### BEGIN SOLUTION hint: one torch.randperm with the seeded generator; index X and y with the same rows
    perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))
    n_train = round(train_ratio * len(X))
    train, test = perm[:n_train], perm[n_train:]
    return X[train], y[train], X[test], y[test]
    ### END SOLUTION


def build_mlp(hidden: tuple[int, ...] = (4, 4), activation: str = "tanh") -> nn.Sequential:
    """The playground's MLP: 2 inputs, the hidden layers ``hidden = (h_1, ..., h_k)``, 2 output logits.

    ``nn.Sequential(Linear(2, h_1), act, Linear(h_1, h_2), act, ..., Linear(h_k, 2))``: an activation
    after every hidden ``nn.Linear``, none after the last (the logits). ``activation`` picks ``act``:
    ``"relu"`` ``nn.ReLU()``, ``"tanh"`` ``nn.Tanh()``, ``"sigmoid"`` ``nn.Sigmoid()``, ``"linear"``
    ``nn.Identity()``; any other name raises ``ValueError``. Every ``nn.Linear`` has a bias and
    PyTorch's default initialisation (torch's global generator). ``hidden=()`` gives ``Linear(2, 2)``
    alone (logistic regression). Shapes: ``(B, 2) -> (B, 2)``.
    """
    ### BEGIN SOLUTION hint: widths [2, *hidden, 2]; append nn.Linear and, except after the last, ACTIVATIONS[activation]()
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}: choose one of {', '.join(ACTIVATIONS)}")
    widths = [2, *hidden, 2]
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)
    ### END SOLUTION


def regularization_penalty(model: nn.Module, kind: str, rate: float) -> torch.Tensor:
    """The playground's regularisation term of ``model``: a 0-dim tensor that autograd can differentiate.

    Over the weights ``w`` of every ``nn.Linear`` in ``model.modules()`` (their ``weight``; biases
    do **not** count):

    * ``kind="l1"``: ``rate * sum |w|`` (gradient ``rate * sign(w)``);
    * ``kind="l2"``: ``rate * (1/2) * sum w^2`` (gradient ``rate * w``).

    Compute it with torch operations on the parameters (no ``.item()``, no ``torch.no_grad()``), so
    that ``penalty.backward()`` adds its gradient to the weights. Any other ``kind`` raises ``ValueError``.
    """
    ### BEGIN SOLUTION hint: collect m.weight for m in model.modules() if isinstance(m, nn.Linear); sum abs() or square()
    weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]  # biases left out
    if kind == "l1":
        return rate * sum(w.abs().sum() for w in weights)
    if kind == "l2":
        return rate * 0.5 * sum(w.square().sum() for w in weights)
    raise ValueError(f"kind must be 'l1' or 'l2', got {kind!r}")
    ### END SOLUTION


def train_classifier(model: nn.Module, X: torch.Tensor, y: torch.Tensor, lr: float, epochs: int,
                     reg: str | None = None, rate: float = 0.0) -> list[float]:
    """Train ``model`` in place by full-batch gradient descent; return the data loss of every step.

    ``torch.optim.SGD(model.parameters(), lr=lr)`` (no momentum), ``epochs`` steps on all of ``X``
    ``(n, 2)`` and ``y`` ``(n,)``. Every step: zero the gradients, compute the objective
    ``cross_entropy(model(X), y) + regularization_penalty(model, reg, rate)`` (no penalty when
    ``reg=None``), back-propagate, update.

    Returns a list of ``epochs`` Python floats: the **cross-entropy** of each step (the data loss,
    without the penalty), computed **before** that step's update; element 0 is the untrained model's.
    """
    ### BEGIN SOLUTION hint: the loop of train_autoencoder with one batch; add the penalty to the loss you back-propagate
    sgd = torch.optim.SGD(model.parameters(), lr=lr)
    history = []
    for _step in range(epochs):
        sgd.zero_grad()
        data_loss = F.cross_entropy(model(X), y)
        objective = data_loss if reg is None else data_loss + regularization_penalty(model, reg, rate)
        objective.backward()
        sgd.step()
        history.append(data_loss.item())  # the data loss only, as the playground plots it
    return history
    ### END SOLUTION
