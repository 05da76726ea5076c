"""Procedurally generated sample images (no download): noisy microscopy-like data to try SDAP on.

Both samples are seeded, so they are the same every time; generating them takes well under a
second and needs only numpy. They share units and pixel size (`PIXEL_UM` micrometres, Y X, over
the same 128 um field), so opened together they overlay.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["PIXEL_UM", "Z_STEP_UM", "correlated_stack", "make_cells", "make_stack", "noisy_cells"]

PIXEL_UM = 0.5
"""Pixel size of both samples in Y and X (micrometres)."""
Z_STEP_UM = 2.0
"""Plane spacing of the stack sample (micrometres)."""


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of the last two axes (numpy only)."""
    r = max(1, int(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    out = img
    for axis in (-2, -1):
        pad = [(0, 0)] * img.ndim
        pad[axis] = (r, r)
        padded = np.pad(out, pad, mode="reflect")
        n = out.shape[axis]
        out = sum(w * np.take(padded, np.arange(i, i + n), axis=axis) for i, w in enumerate(k))
    return out


def _cells(shape: tuple[int, int], rng: np.random.Generator, n_cells: int) -> np.ndarray:
    """Clean 0..1 image: nuclei with textured interiors, a few filaments and a soft background."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros(shape, np.float32)
    for _ in range(n_cells):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        a, b = rng.uniform(5, 14), rng.uniform(5, 14)
        t = rng.uniform(0, np.pi)
        dy, dx = yy - cy, xx - cx
        u = (dy * np.cos(t) + dx * np.sin(t)) / a
        v = (-dy * np.sin(t) + dx * np.cos(t)) / b
        img += rng.uniform(0.4, 1.0) / (1 + np.exp(np.minimum(8 * (u * u + v * v - 1), 60)))
    for _ in range(max(1, n_cells // 4)):  # filaments: smooth random curves
        y0, x0 = rng.uniform(0, h), rng.uniform(0, w)
        ang, amp = rng.uniform(0, np.pi), rng.uniform(3, 12)
        s = np.linspace(-1.5 * max(h, w), 1.5 * max(h, w), 4 * max(h, w))
        py = y0 + s * np.sin(ang) + amp * np.sin(s / rng.uniform(10, 30))
        px = x0 + s * np.cos(ang)
        ok = (py >= 0) & (py < h) & (px >= 0) & (px < w)
        img[py[ok].astype(int), px[ok].astype(int)] += 0.6
    img = _blur(img, 1.2) + 0.1 * _blur(rng.random(shape).astype(np.float32), 12.0)
    img -= img.min()
    return (img / img.max()).astype(np.float32)


def make_cells(size: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(clean, noisy) 2-D uint16 image with Poisson-Gaussian (pixel-independent) camera noise."""
    rng = np.random.default_rng(seed)
    clean = 100 + 900 * _cells((size, size), rng, n_cells=max(4, size * size // 2500))
    photons = rng.poisson(clean * 0.05) / 0.05  # ~50 photons at the brightest: shot noise
    noisy = photons + rng.normal(0, 20, clean.shape)  # read noise
    return (clean.astype(np.uint16), np.clip(noisy, 0, 65535).astype(np.uint16))


def make_stack(planes: int = 8, size: int = 128, seed: int = 1,
               k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(clean, noisy) float32 Z stack whose noise is correlated over k x k pixels.

    Correlated noise (as after demosaicing, binning or camera processing) defeats plain
    blind-spot networks; SDAP's random sub-sampling with stride > 1 is made for it.
    """
    rng = np.random.default_rng(seed)
    base = _cells((size, size), rng, n_cells=max(4, size * size // 1500))
    shift = np.linspace(-3, 3, planes)
    clean = np.stack([np.roll(base, round(s), axis=1) * (0.7 + 0.3 * np.cos(s / 3))
                      for s in shift]).astype(np.float32)
    white = rng.normal(0, 1, (planes, size + k - 1, size + k - 1))
    noise = sum(white[:, dy:dy + size, dx:dx + size] for dy in range(k) for dx in range(k)) / k
    return clean, (clean + 0.12 * noise).astype(np.float32)


def noisy_cells() -> list[tuple[Any, dict[str, Any], str]]:
    """napari sample: 256 x 256 noisy fluorescence-like image (uint16, white noise), 0.5 um
    pixels."""
    _, noisy = make_cells()
    meta = {"name": "noisy cells", "axis_labels": ("y", "x"), "colormap": "gray",
            "scale": (PIXEL_UM, PIXEL_UM), "units": ("um", "um"),
            "metadata": {"source": "napari-sdap procedural sample (Poisson-Gaussian noise)"}}
    return [(noisy, meta, "image")]


def correlated_stack() -> list[tuple[Any, dict[str, Any], str]]:
    """napari sample: 8 x 256 x 256 Z stack with spatially correlated noise (float32), 0.5 um
    pixels, 2 um planes."""
    _, noisy = make_stack(size=256)
    meta = {"name": "noisy stack", "axis_labels": ("z", "y", "x"),
            "scale": (Z_STEP_UM, PIXEL_UM, PIXEL_UM),
            "units": ("um", "um", "um"), "colormap": "gray",
            "metadata": {"source": "napari-sdap procedural sample (3x3 correlated noise)"}}
    return [(noisy, meta, "image")]
