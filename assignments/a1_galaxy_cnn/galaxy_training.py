"""A1, tasks 4-6: loss and optimizer, the training loop with best-checkpoint keeping, evaluation.

Every function works for any classifier ``model`` that maps a batch ``x`` to logits of shape
``(B, n_classes)``, and any ``DataLoader`` that yields ``(x, y)`` batches with int64 labels
``y`` of shape ``(B,)``.
"""
import torch
from torch import nn


def classification_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of raw ``logits`` ``(B, C)`` against int64 ``labels`` ``(B,)``.

    ``loss = mean_b [ -log softmax(logits_b)[labels_b] ] = mean_b [ logsumexp(logits_b) - logits_b[labels_b] ]``

    Returns a scalar (0-dimensional) tensor that can be back-propagated. The logits go in
    as they are: ``F.cross_entropy`` applies the (log-)softmax itself, in a numerically stable way.
    """
    raise NotImplementedError('torch.nn.functional has it')


def make_optimizer(model: nn.Module, lr: float = 1e-3) -> torch.optim.Optimizer:
    """Adam over all parameters of ``model`` with learning rate ``lr`` (other settings: PyTorch's defaults)."""
    raise NotImplementedError('torch.optim.Adam')


def predict(model: nn.Module, loader, device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Logits of ``model`` for every sample of ``loader``, in the loader's order.

    The model is switched to evaluation mode (its ``eval()`` method: dropout off, batch norm
    uses its running statistics) and no gradients are recorded (inside ``torch.no_grad()``).

    Returns:
        logits: float32 ``(N, n_classes)`` on the CPU, not requiring gradients;
        labels: int64 ``(N,)``, the labels the loader yielded.
    """
    raise NotImplementedError('evaluation mode first, then loop over the loader without gradients; torch.cat the batches')


def evaluate(model: nn.Module, loader, device="cpu") -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on ``loader`` (evaluation mode, no gradients).

    ``loss`` is :func:`classification_loss` averaged over all ``N`` samples (not the mean of
    per-batch means: the last batch may be smaller); ``accuracy`` is the fraction of samples
    whose largest logit is at the true label. Both are Python floats.
    """
    raise NotImplementedError('predict() gives all logits at once')


def train_model(model: nn.Module, train_loader, val_loader, n_epochs: int, lr: float = 1e-3,
                device="cpu", verbose: bool = False, *, checkpoint_path) -> dict:
    """Train ``model`` in place with Adam (:func:`make_optimizer`) and :func:`classification_loss`.

    Each epoch:

    1. Training mode (``train()``); for every batch ``(x, y)`` of ``train_loader``, in order: zero the
       gradients, compute the logits and the loss, back-propagate, take one optimizer step.
       Record the batch's loss (a float) and count the samples whose logits from this forward
       pass (before the step) have their largest entry at the label.
    2. Validate with :func:`evaluate` on ``val_loader``.
    3. If the validation loss is the lowest so far (strictly lower), save the weights to disk
       right away: ``torch.save(model.state_dict(), checkpoint_path)``, overwriting the previous
       best. So if training stops midway (a crash, Ctrl-C, a time limit), ``checkpoint_path``
       already holds the best weights so far. (``torch.save`` writes the values of the moment;
       ``model.state_dict()`` kept in a variable would hold references to the live tensors,
       which the optimizer keeps changing.)

    After the last epoch, load the weights back **from the file**
    (``torch.load(checkpoint_path, weights_only=True)``) into ``model``, so that it ends with
    the weights of the epoch with the lowest validation loss.

    Returns a dict of Python floats / ints:
        ``"train_loss"``: one loss per training iteration (``n_epochs * len(train_loader)`` values);
        ``"train_acc"``: per epoch, the fraction of training samples classified correctly in step 1;
        ``"val_loss"``, ``"val_acc"``: per epoch, from :func:`evaluate`;
        ``"best_epoch"``: the index (0-based) of the epoch with the lowest validation loss.
    If ``verbose``, print one line per epoch. ``checkpoint_path`` (a ``str`` or ``pathlib.Path``)
    must be given by keyword.
    """
    raise NotImplementedError('follow the numbered steps; classic bugs: forgetting training mode after validation, saving only at the end')


def confusion_matrix(predictions: torch.Tensor, labels: torch.Tensor, n_classes: int = 10) -> torch.Tensor:
    """Confusion matrix ``M`` of int64 ``predictions`` and true ``labels``, both of shape ``(N,)``.

    ``M[i, j]`` = number of samples of true class ``i`` that were predicted as class ``j``
    (rows: truth, columns: prediction). Returns an int64 tensor ``(n_classes, n_classes)``
    whose entries sum to ``N``; the diagonal holds the correct predictions.
    """
    raise NotImplementedError('torch.bincount of a combined index true * n_classes + predicted')
