"""Offline stand-in for SIGNS: drawn hands showing 0-5 raised fingers, in the real HDF5 schema.

``make_signs(n, seed)`` returns ``x`` uint8 ``(n, 64, 64, 3)`` and ``y`` int64 ``(n,)`` with
labels 0..5 (label = number of raised fingers), balanced (``n // 6`` or one more per class).
``write_signs(out, n_train=1080, n_test=120, seed=0)`` writes ``train_signs.h5``
(``train_set_x``, ``train_set_y``, ``list_classes`` = [0..5]) and ``test_signs.h5``
(``test_set_x``, ``test_set_y``, ``list_classes``), like the real files.

A hand is a union of rounded shapes evaluated as signed distance fields over the pixel grid
(all images of a chunk at once): palm (rounded box), wrist, four fingers and a thumb (capsules).
A raised finger is a long capsule; a folded one is a short knuckle bump (the thumb folds across
the palm). Which fingers are raised follows the usual counting gestures, with variants. Pose
(rotation, scale, position, left/right hand, finger spread), skin tone, lighting, background
colour and texture, a soft shadow and sensor noise are random. Output depends only on the
arguments.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .h5write import write_h5

SIZE = 64
TRAIN_FILE, TEST_FILE = "train_signs.h5", "test_signs.h5"
CHUNK = 200

# Finger order: index, middle, ring, little, thumb. Raised-finger patterns per count; the first
# pattern of each count is the common one, the others are variants.
_GESTURES = {
    0: [(0, 0, 0, 0, 0)],
    1: [(1, 0, 0, 0, 0), (1, 0, 0, 0, 0), (1, 0, 0, 0, 0), (0, 0, 0, 0, 1)],
    2: [(1, 1, 0, 0, 0), (1, 1, 0, 0, 0), (1, 0, 0, 0, 1), (0, 1, 1, 0, 0)],
    3: [(1, 1, 1, 0, 0), (1, 1, 1, 0, 0), (1, 1, 0, 0, 1), (0, 1, 1, 1, 0)],
    4: [(1, 1, 1, 1, 0), (1, 1, 1, 1, 0), (1, 1, 1, 0, 1)],
    5: [(1, 1, 1, 1, 1)],
}
# Skin tones (RGB in [0, 1]), from light to dark; a tone is mixed from two neighbours.
_SKIN = np.array([[0.93, 0.78, 0.67], [0.87, 0.68, 0.55], [0.76, 0.57, 0.43],
                  [0.62, 0.44, 0.32], [0.45, 0.31, 0.22]], np.float32)


def _capsule(px, py, ax, ay, bx, by, r):
    """Signed distance from points (px, py) to the capsule a-b of radius r (all broadcast)."""
    dx, dy = bx - ax, by - ay
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / np.maximum(dx * dx + dy * dy, 1e-6), 0.0, 1.0)
    ex, ey = px - ax - t * dx, py - ay - t * dy
    return np.sqrt(ex * ex + ey * ey) - r


def _round_box(px, py, cx, cy, hw, hh, r):
    """Signed distance to an axis-aligned box (half sizes hw, hh) with corner radius r."""
    qx = np.abs(px - cx) - hw + r
    qy = np.abs(py - cy) - hh + r
    outside = np.sqrt(np.maximum(qx, 0) ** 2 + np.maximum(qy, 0) ** 2)
    return outside + np.minimum(np.maximum(qx, qy), 0) - r


def _smooth_noise(rng, b, cells, size=SIZE):
    """Smooth random field (b, size, size) in about [-1, 1]: bilinear upsampling of a coarse grid."""
    g = rng.standard_normal((b, cells + 1, cells + 1)).astype(np.float32)
    t = np.linspace(0, cells, size, dtype=np.float32)
    i0 = np.minimum(t.astype(int), cells - 1)
    f = t - i0
    rows = g[:, i0] * (1 - f)[None, :, None] + g[:, i0 + 1] * f[None, :, None]
    return rows[:, :, i0] * (1 - f)[None, None, :] + rows[:, :, i0 + 1] * f[None, None, :]


def _render_chunk(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    B = len(labels)
    u = lambda lo, hi, shape=(B,): rng.uniform(lo, hi, shape).astype(np.float32)  # noqa: E731
    c = lambda a: a[:, None, None]  # noqa: E731

    raised = np.zeros((B, 5), np.float32)
    for i, k in enumerate(labels):
        options = _GESTURES[int(k)]
        raised[i] = options[rng.integers(len(options))]

    # Pose: pixel grid mapped into the hand's frame (palm centre at the origin, fingers up = -y).
    ang = np.deg2rad(u(-28, 28))
    scale = u(0.95, 1.25)
    tx, ty = u(-5, 5), u(4, 11)
    mirror = np.where(rng.random(B) < 0.5, -1.0, 1.0).astype(np.float32)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    x0 = xx[None] - (SIZE - 1) / 2 - c(tx)
    y0 = yy[None] - (SIZE - 1) / 2 - c(ty)
    ca, sa = np.cos(c(ang)), np.sin(c(ang))
    hx = (x0 * ca + y0 * sa) / c(scale) * c(mirror)
    hy = (-x0 * sa + y0 * ca) / c(scale)

    palm_w, palm_h = u(9.5, 12.0), u(9.5, 12.0)
    d_palm = _round_box(hx, hy, 0.0, 0.0, c(palm_w), c(palm_h), 5.0)
    wrist_w = palm_w * u(0.62, 0.78)
    d_wrist = _round_box(hx, hy, 0.0, c(palm_h) + 14.0, c(wrist_w), 16.0, 3.0)
    hand = np.minimum(d_palm, d_wrist)

    finger_r = u(2.1, 2.7)
    spread = u(0.0, 0.12)  # radians between neighbouring raised fingers
    lengths = np.array([17.0, 19.0, 17.5, 13.5], np.float32)
    parts = []
    for j, base_x in enumerate((-0.75, -0.25, 0.25, 0.75)):
        bx = base_x * palm_w * 0.95
        by = -palm_h + 1.5
        up = raised[:, j]
        length = np.where(up > 0, lengths[j] * u(0.85, 1.1), u(2.5, 4.0))
        a = (j - 1.5) * spread + u(-0.05, 0.05)
        ex = bx + np.sin(a) * length
        ey = by - np.cos(a) * length
        parts.append(_capsule(hx, hy, c(bx), c(by), c(ex), c(ey), c(finger_r)))
    # Thumb: raised = out to the side and up; folded = across the lower palm.
    t_up = raised[:, 4] > 0
    tbx, tby = -palm_w * 0.8, palm_h * 0.35
    t_ang = np.where(t_up, np.deg2rad(u(-70, -35)), np.deg2rad(u(55, 75)))
    t_len = np.where(t_up, u(13, 17), u(10, 14))
    tex = tbx + np.sin(t_ang) * t_len
    tey = tby - np.cos(t_ang) * t_len
    d_thumb = _capsule(hx, hy, c(tbx), c(tby), c(tex), c(tey), c(finger_r * 1.15))
    parts.append(d_thumb)
    for d in parts:
        hand = np.minimum(hand, d)

    px = 1.0 / scale  # one output pixel in hand units
    alpha = np.clip(0.5 - hand / c(px * 1.1), 0.0, 1.0)

    # Skin: tone, lighting gradient, darker rims, and creases along each finger's outline.
    t = u(0, len(_SKIN) - 1)
    lo = np.floor(t).astype(int)
    hi = np.minimum(lo + 1, len(_SKIN) - 1)
    f = (t - lo)[:, None]
    skin = _SKIN[lo] * (1 - f) + _SKIN[hi] * f
    skin = skin * np.exp(rng.normal(0, 0.04, (B, 3))).astype(np.float32)
    light_dir = u(0, 2 * np.pi)
    light = 1.0 + 0.18 * (np.cos(c(light_dir)) * hx + np.sin(c(light_dir)) * hy) / 25.0
    rim = 1.0 - 0.35 * np.exp(np.minimum(hand, 0) / 2.2)
    crease = np.ones_like(hand)
    for d in parts:
        crease -= 0.16 * np.exp(-(d / 0.6) ** 2) * (hand < -0.5)
    shade = np.clip(light * rim * crease, 0.3, 1.3)
    fg = skin[:, :, None, None] * shade[:, None]

    # Background: colour near a light wall colour, gradient, texture; soft shadow of the hand.
    base = np.stack([u(0.55, 0.95), u(0.55, 0.92), u(0.5, 0.9)], 1)
    grey = base.mean(1, keepdims=True)
    base = grey + (base - grey) * u(0.2, 0.6)[:, None]
    dark = rng.random(B) < 0.15
    base[dark] *= u(0.35, 0.6)[dark][:, None]
    g_ang = u(0, 2 * np.pi)
    grad = 1.0 + u(0.0, 0.25)[:, None, None] * (np.cos(c(g_ang)) * x0 + np.sin(c(g_ang)) * y0) / 45.0
    tex = 1.0 + c(u(0.0, 0.08)) * _smooth_noise(rng, B, 6) + c(u(0.0, 0.04)) * _smooth_noise(rng, B, 16)
    shadow_dx, shadow_dy = rng.integers(-3, 4, B), rng.integers(1, 4, B)
    padded = np.pad(alpha, ((0, 0), (4, 4), (4, 4)), mode="edge")
    shadow = np.stack([padded[i, 4 - shadow_dy[i]:4 - shadow_dy[i] + SIZE, 4 - shadow_dx[i]:4 - shadow_dx[i] + SIZE]
                       for i in range(B)])
    bg = base[:, :, None, None] * (grad * tex * (1.0 - 0.25 * shadow))[:, None]

    img = fg * alpha[:, None] + bg * (1.0 - alpha[:, None])
    img = img + u(0.004, 0.03)[:, None, None, None] * rng.standard_normal(img.shape, dtype=np.float32)
    return np.clip(np.rint(img.transpose(0, 2, 3, 1) * 255), 0, 255).astype(np.uint8)


def make_signs(n: int = 1080, seed: int = 0, stream: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Make ``n`` hand images: ``x`` uint8 ``(n, 64, 64, 3)``, ``y`` int64 ``(n,)`` in 0..5, balanced.

    ``stream`` separates independent sets made with the same seed (0 = train, 1 = test).
    """
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 20, stream]))
    y = rng.permutation(np.arange(n) % 6).astype(np.int64)
    x = np.empty((n, SIZE, SIZE, 3), np.uint8)
    for start in range(0, n, CHUNK):
        sl = slice(start, min(start + CHUNK, n))
        x[sl] = _render_chunk(y[sl], np.random.default_rng(np.random.SeedSequence([seed, 21, stream, start])))
    return x, y


def write_signs(out: str | os.PathLike, n_train: int = 1080, n_test: int = 120, seed: int = 0) -> Path:
    """Write ``train_signs.h5`` and ``test_signs.h5`` (real keys and dtypes) into ``out``; return ``out``."""
    out = Path(out)
    classes = np.arange(6, dtype=np.int64)
    tx, ty = make_signs(n_train, seed, stream=0)
    vx, vy = make_signs(n_test, seed, stream=1)
    write_h5(out / TRAIN_FILE, {"list_classes": classes, "train_set_x": tx, "train_set_y": ty})
    write_h5(out / TEST_FILE, {"list_classes": classes, "test_set_x": vx, "test_set_y": vy})
    return out
