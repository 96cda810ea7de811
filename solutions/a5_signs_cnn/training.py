"""A5, tasks 5-6: training a classifier that outputs log-probabilities, and a learning-rate sweep.

The models here end in ``LogSoftmax``, so their outputs are log-probabilities and the loss is
``nn.NLLLoss`` applied to the output as it is. The optimizer is ``torch.optim.Adam``.

Fill in the parts marked ``raise NotImplementedError``.
"""
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader


def train_cnn(model: nn.Module, train_loader: DataLoader, val_loader: DataLoader, lr: float, n_epochs: int,
              device="cpu", verbose: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train ``model`` in place with Adam (learning rate ``lr``, other settings default) and NLLLoss.

    ``model`` maps a batch of inputs to log-probabilities ``(B, n_classes)``; the loaders yield
    ``(inputs, labels)`` batches with int64 labels. Move the model and every batch to ``device``.

    Each of the ``n_epochs`` epochs:

    1. training, in train mode: for every batch of ``train_loader``, in the loader's order, one
       optimizer step: clear the gradients left by the previous step, compute the loss
       ``NLLLoss(model(inputs), labels)``, backpropagate, step;
    2. validation, in evaluation mode and without gradients, over all of ``val_loader``.

    Returns ``(train_loss, val_loss, train_acc, val_acc)``: four float64 numpy arrays of shape
    ``(n_epochs,)``. Entry ``e`` averages over *all* samples of epoch ``e``, each batch weighted
    by its size (the last batch may be smaller):

    * ``train_loss[e]``: mean NLL of the training samples, from the outputs computed during the
      epoch's steps (before each step's update); ``train_acc[e]``: the fraction of those outputs
      whose argmax equals the label;
    * ``val_loss[e]``, ``val_acc[e]``: the same over ``val_loader`` after the epoch.

    If ``verbose``, print one line per epoch (its four numbers) as soon as the epoch ends: training
    runs for minutes, and the line shows it is progressing.
    """
    ### BEGIN SOLUTION hint: keep running sums of loss * batch size, correct predictions and sample counts per epoch
    model.to(device)  # the parameters must be on the device before the optimizer sees them
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    criterion = nn.NLLLoss()  # the model already outputs log-probabilities
    history = np.zeros((4, n_epochs), dtype=np.float64)  # rows: train loss, val loss, train acc, val acc
    for epoch in range(n_epochs):  # each epoch: one pass over the training data, then validation
        model.train()  # BatchNorm uses batch statistics (evaluate() switched to eval mode)
        loss_sum, correct, seen = 0.0, 0, 0
        for inputs, labels in train_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()  # otherwise backward() adds to the previous step's gradients
            log_probs = model(inputs)
            loss = criterion(log_probs, labels)
            loss.backward()  # gradients of this batch's mean loss
            optimizer.step()  # one Adam update
            loss_sum += loss.item() * len(labels)
            correct += (log_probs.argmax(dim=1) == labels).sum().item()
            seen += len(labels)
        history[0, epoch] = loss_sum / seen
        history[2, epoch] = correct / seen
        history[1, epoch], history[3, epoch] = evaluate(model, val_loader, device)
        if verbose:
            print(f"epoch {epoch + 1:3d}/{n_epochs}: train loss {history[0, epoch]:.4f} acc {history[2, epoch]:.3f}"
                  f" | val loss {history[1, epoch]:.4f} acc {history[3, epoch]:.3f}", flush=True)
    return history[0], history[1], history[2], history[3]
    ### END SOLUTION


def evaluate(model: nn.Module, loader: DataLoader, device="cpu") -> tuple[float, float]:
    """Mean NLL loss and accuracy of ``model`` over every sample of ``loader``.

    Runs in evaluation mode and without gradients; each batch is weighted by its size.
    Returns ``(loss, accuracy)`` as two Python floats. Does not train.
    """
    ### BEGIN SOLUTION hint: like one validation pass of train_cnn; sum per-sample losses (reduction="sum") and correct predictions
    model.to(device)  # a no-op when the model is there already
    model.eval()  # BatchNorm uses its running statistics, Dropout is off
    loss_sum, correct, seen = 0.0, 0, 0
    with torch.no_grad():  # no graph: less memory, and nothing here can train
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            log_probs = model(inputs)
            loss_sum += nn.functional.nll_loss(log_probs, labels, reduction="sum").item()
            correct += (log_probs.argmax(dim=1) == labels).sum().item()
            seen += len(labels)
    return loss_sum / seen, correct / seen
    ### END SOLUTION


def lr_sweep(make_model: Callable[[], nn.Module], train_loader: DataLoader, val_loader: DataLoader,
             lrs: Sequence[float], n_epochs: int, device="cpu", seed: int = 0, verbose: bool = False) -> dict:
    """Train a fresh model for every learning rate in ``lrs`` with :func:`train_cnn`.

    Before each run, call ``torch.manual_seed(seed)`` and then ``make_model()``, so every learning
    rate starts from the same initial weights (and the loaders shuffle the same way): a run never
    depends on the runs before it.

    Returns ``{lr: {"model": trained model, "train_loss": ..., "val_loss": ...,
    "train_acc": ..., "val_acc": ...}}`` with one entry per learning rate, the four histories
    as returned by :func:`train_cnn`.

    If ``verbose``, print which learning rate is training, then :func:`train_cnn`'s epoch lines.
    """
    ### BEGIN SOLUTION hint: a loop over lrs: seed, build, train, store the model and its four histories
    results = {}
    for lr in lrs:
        torch.manual_seed(seed)  # the same initial weights (and shuffling) for every learning rate
        model = make_model()
        if verbose:
            print(f"learning rate {lr:g} ({len(results) + 1} of {len(lrs)})", flush=True)
        train_loss, val_loss, train_acc, val_acc = train_cnn(model, train_loader, val_loader, lr, n_epochs, device,
                                                             verbose=verbose)
        results[lr] = {"model": model, "train_loss": train_loss, "val_loss": val_loss,
                       "train_acc": train_acc, "val_acc": val_acc}
    return results
    ### END SOLUTION


def best_learning_rate(results: dict) -> float:
    """The learning rate whose run ends with the highest validation accuracy.

    ``results``: ``{lr: {"val_acc": array, "val_loss": array, ...}}`` as :func:`lr_sweep` returns
    it. Compares the *last* entries of ``val_acc``; a tie goes to the run with the lower last
    ``val_loss``. Returns the key of ``results``.
    """
    ### BEGIN SOLUTION hint: max over the keys with a key function (last val_acc, minus last val_loss)
    return max(results, key=lambda lr: (results[lr]["val_acc"][-1], -results[lr]["val_loss"][-1]))
    ### END SOLUTION
