"""Image-quality numbers in plain numpy: PSNR, SSIM and residual statistics per intensity band."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["SSIM_SIGMA", "Band", "intensity_bands", "local_energy", "psnr", "ssim"]

SSIM_SIGMA = 1.5
"""Gaussian window of SSIM (Wang et al. 2004): sigma 1.5, 11 x 11 pixels."""
_RADIUS = 5
_K1, _K2 = 0.01, 0.03


def psnr(reference: np.ndarray, image: np.ndarray, data_range: float) -> float:
    """Peak signal-to-noise ratio in dB: ``10 log10(L**2 / MSE)``; inf when identical."""
    ref = np.asarray(reference, np.float64)
    mse = float(np.mean((ref - np.asarray(image, np.float64)) ** 2))
    if mse == 0.0:
        return math.inf
    return 10.0 * math.log10(data_range * data_range / mse)


def _gauss_filter(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Separable weighted mean over each full window (no padding: 'valid' output)."""
    a = sliding_window_view(a, len(w), axis=0) @ w
    return sliding_window_view(a, len(w), axis=1) @ w


def ssim_map(reference: np.ndarray, image: np.ndarray, data_range: float) -> np.ndarray:
    """Local SSIM of two 2-D images with an 11 x 11 Gaussian window (sigma 1.5), at every pixel
    whose window lies inside the image (the border of 5 pixels is left out)."""
    t = np.arange(-_RADIUS, _RADIUS + 1, dtype=np.float64)
    w = np.exp(-t * t / (2 * SSIM_SIGMA**2))
    w /= w.sum()
    x = np.asarray(reference, np.float64)
    y = np.asarray(image, np.float64)
    mx, my = _gauss_filter(x, w), _gauss_filter(y, w)
    sxx = _gauss_filter(x * x, w) - mx * mx
    syy = _gauss_filter(y * y, w) - my * my
    sxy = _gauss_filter(x * y, w) - mx * my
    c1, c2 = (_K1 * data_range) ** 2, (_K2 * data_range) ** 2
    return ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))


def ssim(reference: np.ndarray, image: np.ndarray, data_range: float) -> float:
    """Mean structural similarity (Wang et al. 2004; K1 = 0.01, K2 = 0.03) of two 2-D images
    of at least 11 x 11 pixels; 1 for identical images."""
    if min(np.shape(reference)) < 2 * _RADIUS + 1:
        raise ValueError(f"SSIM needs images of at least {2 * _RADIUS + 1} x {2 * _RADIUS + 1} "
                         f"pixels (got {np.shape(reference)})")
    return float(ssim_map(reference, image, data_range).mean())


def local_energy(residual: np.ndarray, size: int = 7) -> np.ndarray:
    """Mean of ``residual**2`` over the `size` x `size` window around each pixel (windows cut at
    the borders), as the detail restore measures it (there without the centre pixel)."""
    r2 = np.asarray(residual, np.float64) ** 2
    pad = size // 2
    sums = np.pad(r2, pad).cumsum(0).cumsum(1)
    sums = np.pad(sums, ((1, 0), (1, 0)))
    counts = np.pad(np.ones_like(r2), pad).cumsum(0).cumsum(1)
    counts = np.pad(counts, ((1, 0), (1, 0)))
    h, w = r2.shape

    def box(a: np.ndarray) -> np.ndarray:
        inner = a[size:size + h, size:size + w] - a[:h, size:size + w]
        return inner - a[size:size + h, :w] + a[:h, :w]

    return box(sums) / box(counts)


@dataclass
class Band:
    """Residual (input - output) statistics over pixels whose output lies in one intensity band."""

    channel: int
    low: float
    """Output intensities from `low` to `high` (image scale)."""
    high: float
    level: float
    """Median output intensity of the band."""
    pixels: int
    residual_mean: float
    residual_std: float
    noise_std: float | None = None
    """Noise std the model measured at training at `level` (None without a model)."""
    ratio: float | None = None
    """residual_std / noise_std: about 1 when only noise was removed."""
    flags: list[str] = field(default_factory=list)


def intensity_bands(output: np.ndarray, residual: np.ndarray, channel: int, bands: int = 8,
                    min_pixels: int = 256) -> list[Band]:
    """Split pixels into up to `bands` equal-count bands of output intensity (bands with the
    same edges, as in flat or clipped images, are merged) and measure the residual in each."""
    y = np.asarray(output, np.float64).ravel()
    r = np.asarray(residual, np.float64).ravel()
    count = max(1, min(bands, y.size // min_pixels))
    edges = np.unique(np.quantile(y, np.linspace(0.0, 1.0, count + 1)))
    if edges.size < 2:
        edges = np.array([y[0], y[0]])
    index = np.clip(np.searchsorted(edges, y, side="right") - 1, 0, edges.size - 2)
    out = []
    for b in range(edges.size - 1):
        inside = index == b
        n = int(np.count_nonzero(inside))
        if n == 0:
            continue
        rb = r[inside]
        out.append(Band(channel=channel, low=float(edges[b]), high=float(edges[b + 1]),
                        level=float(np.median(y[inside])), pixels=n,
                        residual_mean=float(rb.mean()), residual_std=float(rb.std())))
    return out
