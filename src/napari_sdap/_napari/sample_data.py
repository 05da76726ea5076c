"""Procedurally generated sample images (no download): noisy microscopy-like data to try SDAP on.

All samples are seeded, so they are the same every time; generating them takes well under a
second and needs only numpy. They share units and pixel size (`PIXEL_UM` micrometres, Y X, over
the same 128 um field), so opened together they overlay.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["PIXEL_UM", "SCAN_DECAY", "Z_STEP_UM", "correlated_stack", "line_scan", "make_cells",
           "make_scan", "make_stack", "noisy_cells"]

PIXEL_UM = 0.5
"""Pixel size of both samples in Y and X (micrometres)."""
Z_STEP_UM = 2.0
"""Plane spacing of the stack sample (micrometres)."""
SCAN_DECAY = 0.6
"""Line-scan sample: decay per pixel of the detector's filter along X."""


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


def make_scan(size: int = 256, seed: int = 2, peak: float = 30.0
              ) -> tuple[np.ndarray, np.ndarray]:
    """(clean, noisy) 2-D uint8 point-scanner image: photon counts at `peak` photons for the
    brightest pixel, read through a detector whose bandwidth spreads each pixel's noise along
    the scan line (X): an exponential filter decaying by `SCAN_DECAY` per pixel, as line-scan
    confocal and two-photon microscopes record it. The clean image went through the same
    filter."""
    rng = np.random.default_rng(seed)
    photons = peak * _cells((size, size), rng, n_cells=max(4, size * size // 2500)) + 0.05
    counts = rng.poisson(photons).astype(np.float64)

    def scan(a: np.ndarray) -> np.ndarray:
        out, last = np.empty_like(a), a[:, 0]
        for x in range(a.shape[1]):
            last = SCAN_DECAY * last + (1.0 - SCAN_DECAY) * a[:, x]
            out[:, x] = last
        return out

    scale = 255.0 / peak
    noisy = np.clip(np.round(scan(counts) * scale), 0, 255).astype(np.uint8)
    return (scan(photons) * scale).astype(np.float32), noisy


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


def line_scan() -> list[tuple[Any, dict[str, Any], str]]:
    """napari sample: 256 x 256 point-scanner image (uint8) whose noise is correlated along the
    scan line (X) only, 0.5 um pixels."""
    _, noisy = make_scan()
    meta = {"name": "noisy line scan", "axis_labels": ("y", "x"), "colormap": "gray",
            "scale": (PIXEL_UM, PIXEL_UM), "units": ("um", "um"),
            "metadata": {"source": "napari-sdap procedural sample (photon noise correlated "
                                   "along X by the detector)"}}
    return [(noisy, meta, "image")]
