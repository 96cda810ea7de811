"""Offline stand-in for Galaxy10 SDSS: procedurally drawn galaxies in the real HDF5 schema.

``make_galaxy10(n, seed)`` returns ``images`` uint8 ``(n, 69, 69, 3)`` and ``ans`` uint8 ``(n,)``
(labels 0..9, class names in ``registry.GALAXY10_CLASSES``); ``write_galaxy10`` stores them as
``Galaxy10.h5`` with the datasets ``images`` and ``ans``, exactly like the real file.

How an image is made (all in numpy, a chunk of images at a time):

* every galaxy is a bulge (Sersic profile, elliptical or boxy isophotes) plus an exponential
  disk, optionally with logarithmic spiral arms, a ring, or a dust lane; the class decides
  which parts are present and the ranges of their parameters;
* the smooth classes 1/2/3 differ only by axis ratio, drawn from overlapping distributions, so
  neighbouring classes overlap as they do in the real labels; tight/medium/loose spirals differ
  by pitch angle, again with overlapping ranges, and faint arms blur into "no spiral";
* each part has its own colour in the g, r, i bands (bulges redder than disks, arms bluest),
  the image is blurred by a per-image Gaussian PSF, field stars and sky noise are added, and the
  three bands are mapped to RGB (i -> R, r -> G, g -> B) with an asinh stretch, like SDSS
  colour cutouts;
* orientation, size, brightness and centring are random.

Class sizes follow the real proportions (class 5 is rare) with a floor of 0.5% per class so
that every class is present even in small sets. Output depends only on ``(n, seed)``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from .h5write import write_h5
from .registry import GALAXY10_CLASSES

SIZE = 69
FILE_NAME = "Galaxy10.h5"
# Per-class counts quoted with the real set; used only as proportions.
REAL_PROPORTIONS = np.array([3461, 6997, 6292, 394, 1534, 17, 589, 1121, 906, 519], dtype=float)
MIN_FRACTION = 0.005
CHUNK = 250
GENERATOR_VERSION = 1

# g, r, i flux ratios of each part (i = 1).
_SED_BULGE = np.array([0.38, 0.72, 1.0], np.float32)
_SED_DISK = np.array([0.62, 0.85, 1.0], np.float32)
_SED_ARMS = np.array([1.05, 1.0, 0.92], np.float32)
_DUST_EXTINCTION = np.array([1.0, 0.75, 0.55], np.float32)


def class_counts(n: int) -> np.ndarray:
    """Images per class for a set of ``n``: real proportions, at least 0.5% (and 1) per class.

    Returns int64 ``(10,)`` summing to ``n``. Raises ``ValueError`` for ``n < 10``.
    """
    if n < 10:
        raise ValueError(f"n must be at least 10 (one image per class), got {n}")
    floor = max(1, math.ceil(MIN_FRACTION * n))
    p = REAL_PROPORTIONS / REAL_PROPORTIONS.sum()
    counts = np.full(10, floor, dtype=np.int64)
    rest = n - counts.sum()
    share = np.maximum(p * n - floor, 0)
    share = share / share.sum() * rest
    add = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - add), kind="stable")
    add[order[: rest - add.sum()]] += 1
    return counts + add


def _draw_parameters(labels: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-image parameters, float32 arrays of shape (n,), drawn by class."""
    n = len(labels)
    u = lambda lo, hi: rng.uniform(lo, hi, n).astype(np.float32)  # noqa: E731
    nrm = lambda mu, sd: rng.normal(mu, sd, n).astype(np.float32)  # noqa: E731
    k = labels
    smooth = np.isin(k, [1, 2, 3])
    edge = np.isin(k, [4, 5, 6])
    face = np.isin(k, [0, 7, 8, 9])

    p: dict[str, np.ndarray] = {}
    p["angle"] = u(0, np.pi)
    p["cx"] = (SIZE - 1) / 2 + np.clip(nrm(0, 1.2), -3.5, 3.5)
    p["cy"] = (SIZE - 1) / 2 + np.clip(nrm(0, 1.2), -3.5, 3.5)
    p["scale"] = np.exp(u(np.log(3.2), np.log(10.0)))  # disk scale length / elliptical Re, px
    p["scale"] *= np.where(edge, 1.3, 1.0).astype(np.float32)
    p["flux"] = np.exp(u(np.log(80), np.log(500)))
    p["psf"] = u(0.9, 1.7)
    p["sky"] = u(0.012, 0.03)

    # Bulge (or whole galaxy for the smooth classes): Sersic index, axis ratio, boxiness.
    q_smooth = np.select(
        [k == 1, k == 2, k == 3],
        [nrm(0.86, 0.09), nrm(0.6, 0.09), nrm(0.36, 0.08)], 0.0)
    p["b_n"] = np.where(smooth, u(2.5, 4.0), np.where(edge, u(0.8, 1.6), u(1.5, 3.0)))
    p["b_q"] = np.where(smooth, np.clip(q_smooth, 0.18, 1.0), u(0.7, 1.0))
    p["b_q"] = np.where(k == 5, u(0.7, 1.0), p["b_q"])
    p["b_c"] = np.where(k == 5, u(4.0, 6.0), 2.0).astype(np.float32)
    b_frac = np.select(
        [smooth, k == 4, k == 5, k == 6, k == 0, k == 7, k == 8, k == 9],
        [u(0.85, 1.0), u(0.3, 0.6), u(0.3, 0.55), u(0.0, 0.07),
         u(0.15, 0.55), u(0.18, 0.45), u(0.1, 0.35), u(0.05, 0.25)], 0.0)
    p["b_frac"] = b_frac.astype(np.float32)
    p["b_re"] = np.where(smooth, p["scale"], p["scale"] * np.where(edge, u(0.45, 0.8), u(0.25, 0.45)))

    # Disk: axis ratio (cos inclination) and extent.
    p["d_q"] = np.select([edge, face, smooth],
                         [np.where(k == 6, u(0.07, 0.16), u(0.1, 0.22)), u(0.5, 1.0), p["b_q"]], 1.0)
    p["dust"] = np.where(edge & (rng.random(n) < 0.55), u(0.3, 0.8), 0.0).astype(np.float32)

    # Spiral arms: amplitude, pitch angle (degrees), number of arms, winding phase, sharpness.
    pitch = np.select([k == 7, k == 8, k == 9], [nrm(10.5, 2.8), nrm(18.0, 3.5), nrm(28.0, 5.0)], 20.0)
    p["pitch"] = np.clip(pitch, 5.0, 45.0).astype(np.float32)
    p["arm_amp"] = np.where(np.isin(k, [7, 8, 9]), u(0.3, 0.95), 0.0).astype(np.float32)
    p["arm_m"] = np.where(rng.random(n) < 0.8, 2.0, 3.0).astype(np.float32)
    p["arm_phase"] = u(0, 2 * np.pi)
    p["arm_sharp"] = u(2.0, 5.0)
    p["chirality"] = np.where(rng.random(n) < 0.5, 1.0, -1.0).astype(np.float32)
    p["ring"] = np.where((k == 0) & (rng.random(n) < 0.3), u(0.15, 0.4), 0.0).astype(np.float32)

    # Colours: small per-galaxy jitter of each part's g and r relative to i.
    p["col_jit"] = rng.normal(0, 0.06, (n, 3, 2)).astype(np.float32)
    p["face"] = face
    return p


def _sersic(r_over_re: np.ndarray, n_idx: np.ndarray) -> np.ndarray:
    b = 2.0 * n_idx - 1.0 / 3.0
    return np.exp(-b * (np.power(r_over_re, 1.0 / n_idx) - 1.0))


def _normalise(img: np.ndarray) -> np.ndarray:
    s = img.sum(axis=(-2, -1), keepdims=True)
    return img / np.maximum(s, 1e-12)


def _render_chunk(p: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Render the galaxies described by ``p`` (arrays of length B) -> uint8 (B, 69, 69, 3)."""
    B = len(p["angle"])
    col = lambda name: p[name][:, None, None]  # noqa: E731
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    x = xx[None] - col("cx")
    y = yy[None] - col("cy")
    ca, sa = np.cos(col("angle")), np.sin(col("angle"))
    mu = x * ca + y * sa  # along the major axis
    mv = -x * sa + y * ca  # along the minor axis

    # Bulge: generalised ellipse radius, (|u|^c + |v/q|^c)^(1/c); c = 2 is an ellipse, c > 2 boxy.
    bv = mv / col("b_q")
    rb = np.sqrt(mu * mu + bv * bv)
    box = np.nonzero(p["b_c"] != 2.0)[0]
    if box.size:
        c = p["b_c"][box, None, None]
        lu, lv = np.log(np.abs(mu[box]) + 1e-3), np.log(np.abs(bv[box]) + 1e-3)
        rb[box] = np.exp(np.log(np.exp(c * lu) + np.exp(c * lv)) / c)
    rb = np.sqrt(rb * rb + 0.3)  # soften the central cusp
    bulge = _normalise(_sersic(rb / col("b_re"), col("b_n")))

    # Disk: exponential in the disk plane.
    dv = mv / col("d_q")
    rd = np.sqrt(mu * mu + dv * dv + 0.3)
    disk = np.exp(-rd / col("scale"))

    arms = np.zeros_like(disk)
    idx = np.nonzero(p["arm_amp"] > 0)[0]
    if idx.size:
        sel = lambda name: p[name][idx, None, None]  # noqa: E731
        r = rd[idx]
        theta = np.arctan2(dv[idx], mu[idx])
        wind = sel("chirality") * np.log(r / sel("scale")) / np.tan(np.deg2rad(sel("pitch")))
        wave = 0.5 * (1.0 + np.cos(sel("arm_m") * (theta - wind) + sel("arm_phase")))
        pattern = np.power(wave, sel("arm_sharp"))
        inner = 1.0 - np.exp(-((r / (0.9 * sel("scale"))) ** 2))
        # clumpy star-forming regions along the arms
        clumps = 1.0 + 0.5 * rng.standard_normal(r.shape, dtype=np.float32)
        arms[idx] = disk[idx] * pattern * inner * np.clip(clumps, 0.2, None)
    ring_idx = np.nonzero(p["ring"] > 0)[0]
    if ring_idx.size:
        r = rd[ring_idx]
        r0 = 2.2 * p["scale"][ring_idx, None, None]
        disk[ring_idx] += p["ring"][ring_idx, None, None] * 3.0 * np.exp(-0.5 * ((r - r0) / 1.3) ** 2) * np.exp(-r0 / p["scale"][ring_idx, None, None])

    disk_n = _normalise(disk)
    arm_n = _normalise(arms + 1e-12)
    a = col("arm_amp")
    bf = col("b_frac")
    # flux shares: bulge, smooth disk, arms
    parts = (bf * bulge, (1 - bf) * (1 - a) * disk_n, (1 - bf) * a * arm_n)
    seds = []
    for j, base in enumerate((_SED_BULGE, _SED_DISK, _SED_ARMS)):
        jit = p["col_jit"][:, j, :]  # (B, 2)
        g = base[0] * np.exp(jit[:, 0])
        r_ = base[1] * np.exp(jit[:, 1])
        seds.append(np.stack([g, r_, np.ones_like(g)], axis=1))  # (B, 3)
    flux = np.zeros((B, 3, SIZE, SIZE), np.float32)
    for part, sed in zip(parts, seds):
        flux += part[:, None] * sed[:, :, None, None]

    dust_idx = np.nonzero(p["dust"] > 0)[0]
    if dust_idx.size:
        width = 0.35 * p["scale"][dust_idx, None, None] * p["d_q"][dust_idx, None, None] + 0.5
        lane = np.exp(-0.5 * (mv[dust_idx] / width) ** 2) * (1 - np.exp(-(mu[dust_idx] / (0.8 * p["scale"][dust_idx, None, None])) ** 2))
        tau = p["dust"][dust_idx, None, None, None] * lane[:, None] * _DUST_EXTINCTION[None, :, None, None]
        flux[dust_idx] *= np.exp(-tau)

    flux *= p["flux"][:, None, None, None]

    # Field stars: up to three point sources per image (added before the PSF blur).
    n_star = rng.integers(0, 4, B)
    for s in range(3):
        on = n_star > s
        sx = rng.integers(0, SIZE, B)
        sy = rng.integers(0, SIZE, B)
        sf = np.exp(rng.uniform(np.log(3), np.log(120), B)).astype(np.float32) * on
        sc = np.stack([np.exp(rng.normal(-0.4, 0.35, B)), np.exp(rng.normal(-0.15, 0.2, B)), np.ones(B)], 1)
        flux[np.arange(B), :, sy, sx] += (sf[:, None] * sc).astype(np.float32)

    # Gaussian PSF per image, as two matrix products with a normalised 1-D kernel matrix.
    t = np.arange(SIZE, dtype=np.float32)
    kern = np.exp(-0.5 * ((t[None, :, None] - t[None, None, :]) / col("psf")) ** 2)
    kern /= kern.sum(axis=1, keepdims=True)
    # float32 denormals make BLAS crawl: flush negligible values to zero before the products
    kern[kern < 1e-12] = 0.0
    flux[flux < 1e-20] = 0.0
    kern = kern[:, None]  # (B, 1, 69, 69): rows are normalised Gaussian weights
    flux = kern @ flux @ kern.swapaxes(-1, -2)

    # Sky noise, then an asinh stretch of the summed intensity, bands to RGB as (i, r, g).
    flux += col("sky")[:, None] * rng.standard_normal(flux.shape, dtype=np.float32) * 2.5
    inten = np.maximum(flux.mean(axis=1, keepdims=True), 1e-6)
    stretch = np.arcsinh(8.0 * inten) / (np.arcsinh(8.0 * 1.2) * inten)
    rgb = np.clip(flux * stretch, 0.0, 1.0)[:, ::-1]
    return np.clip(np.rint(rgb.transpose(0, 2, 3, 1) * 255), 0, 255).astype(np.uint8)


def make_galaxy10(n: int = 5000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Make ``n`` synthetic galaxies.

    Returns ``images`` uint8 ``(n, 69, 69, 3)`` (RGB composite of g, r, i) and ``ans`` uint8
    ``(n,)`` with labels 0..9 (see ``class_counts`` for how many of each), shuffled.
    Deterministic for a given ``(n, seed)``.
    """
    counts = class_counts(n)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 10]))
    labels = rng.permutation(np.repeat(np.arange(10), counts)).astype(np.uint8)
    params = _draw_parameters(labels, rng)
    images = np.empty((n, SIZE, SIZE, 3), np.uint8)
    for start in range(0, n, CHUNK):
        sl = slice(start, min(start + CHUNK, n))
        chunk_rng = np.random.default_rng(np.random.SeedSequence([seed, 11, start]))
        images[sl] = _render_chunk({k: v[sl] for k, v in params.items()}, chunk_rng)
    return images, labels


def write_galaxy10(out: str | os.PathLike, n: int = 5000, seed: int = 0) -> Path:
    """Write ``Galaxy10.h5`` (datasets ``images``, ``ans``) into directory ``out``; return its path.

    If ``out`` ends in ``.h5`` it is taken as the file path itself.
    """
    out = Path(out)
    dest = out if out.suffix == ".h5" else out / FILE_NAME
    images, ans = make_galaxy10(n, seed)
    return write_h5(dest, {"images": images, "ans": ans})


__all__ = ["make_galaxy10", "write_galaxy10", "class_counts", "GALAXY10_CLASSES"]
