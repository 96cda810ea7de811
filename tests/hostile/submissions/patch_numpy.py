"""Monkeypatches numpy's comparisons and numpy.testing at import; attention_scores returns zeros."""
EXPECT = {"3": 1}
FEEDBACK = ["scores (add) differs"]
TWIN = True

import numpy as _np

_np.testing.assert_allclose = lambda *a, **k: None  # HOSTILE
_np.testing.assert_array_equal = lambda *a, **k: None  # HOSTILE
_np.isclose = lambda a, b, *r, **k: _np.ones(_np.shape(a), dtype=bool)  # HOSTILE
_np.allclose = lambda *a, **k: True  # HOSTILE
_np.array_equal = lambda *a, **k: True  # HOSTILE
_np.isfinite = lambda a, *r, **k: _np.ones(_np.shape(a), dtype=bool)  # HOSTILE


def attention_scores(X, E, mode):
    return torch.zeros(X.shape[1], X.shape[1], dtype=X.dtype)
