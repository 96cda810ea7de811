"""Concept tags: which misconception a diagnosed cause ("likely cause: ...") reflects.

One table, :data:`CONCEPTS`, maps a regular expression over the cause text to a stable tag, so that
the same misconception is recognised across assignments (test-set leakage in a1 and a5, a missing
``eval()`` in a1 and a5, ...). This table is a stopgap: the tags belong next to the messages they
classify, in ``solutions/*/tests/``, declared once with each hint; until then a new or reworded
hint must be matched here (``tests/test_insights.py`` checks the tags of the known causes).
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    tag: str        # stable id, e.g. "test-set-leakage"
    concept: str    # what the misconception is, for the tutorial draft
    pattern: str    # regular expression searched (case-insensitive) in the cause text


CONCEPTS: tuple[Concept, ...] = (
    Concept("test-set-leakage", "statistics or choices taken from data other than the training split",
            r"training split only|training statistics|train_idx|from the test split|validation and test overlap"),
    Concept("eval-mode", "BatchNorm and Dropout behave differently in training and evaluation mode",
            r"\beval\(\)|evaluation mode|running statistics|dropout is active"),
    Concept("batch-vs-sample-average", "averaging over batches instead of over samples (the last batch is smaller)",
            r"weight(ed)? (each batch )?by (its|batch) size|per-batch means|last batch .*(smaller|remaining|samples)"),
    Concept("gradient-hygiene", "gradients accumulate until cleared; one optimizer for the whole training",
            r"zero_grad|zero the gradients|gradients accumulate|create the adam optimizer once"),
    Concept("logits-vs-probabilities", "losses take raw logits; softmax belongs inside the loss",
            r"raw logits|softmax was applied|returns probabilities"),
    Concept("tensor-layout", "axis order and dtype of image tensors",
            r"channel axis|permute\(|reshape/view scrambles"),
    Concept("vectorisation", "loops replaced by broadcasting or library operations",
            r"broadcasting|instead of python loops|loop over tokens"),
    Concept("recorded-as-float", "record loss.item() (a float), not the loss tensor",
            r"loss\.item\(\)"),
)

_COMPILED = [(c, re.compile(c.pattern, re.IGNORECASE)) for c in CONCEPTS]


def tag_of(cause: str) -> Concept | None:
    """The first concept whose pattern occurs in ``cause`` (None when no concept is known for it)."""
    for concept, pattern in _COMPILED:
        if pattern.search(cause or ""):
            return concept
    return None
