"""Synthetic test images (importable as `synthetic` from any test folder).

Plain functions, not fixtures. Import them with ``from synthetic import smooth_image`` rather
than from ``conftest``: several test folders have their own conftest.py, and which one the name
``conftest`` refers to depends on collection order.
"""

from __future__ import annotations

import numpy as np

__all__ = ["correlated_noise", "noisy_sine", "smooth_image"]


def smooth_image(shape: tuple[int, int], seed: int = 0, scale: float = 6.0) -> np.ndarray:
    """A smooth 0..1 test image with blobs and edges (no scipy needed)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    img = np.zeros(shape, np.float32)
    for _ in range(12):
        cy, cx = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        r = rng.uniform(scale, 4 * scale)
        img += rng.uniform(0.3, 1.0) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    img += 0.3 * (xx > shape[1] / 2)
    img -= img.min()
    return (img / img.max()).astype(np.float32)


def correlated_noise(shape: tuple[int, ...], sigma: float, seed: int = 1, k: int = 3) -> np.ndarray:
    """White Gaussian noise box-filtered over k x k pixels (spatially correlated), std `sigma`."""
    rng = np.random.default_rng(seed)
    pad = k // 2
    white = rng.normal(0, 1, (*shape[:-2], shape[-2] + 2 * pad, shape[-1] + 2 * pad))
    out = np.zeros(shape, np.float64)
    for dy in range(k):
        for dx in range(k):
            out += white[..., dy : dy + shape[-2], dx : dx + shape[-1]]
    out /= k  # std of a k*k box sum of unit normals is k
    return (sigma * out).astype(np.float32)


def clipped_photons(dark: float = 0.5, bright: float = 12.0, seed: int = 0, floor: float = 0.4,
                    size: int = 128) -> np.ndarray:
    """Low-light frame: a few photons per pixel on a dark background, the photon noise
    correlated 0.5 between neighbours (2 x 2 box sum, unit energy), rounded and clipped at 0."""
    rng = np.random.default_rng(seed)
    photons = dark + bright * np.maximum(smooth_image((size + 1, size + 1)) - floor, 0.0)
    noise = box2(rng.poisson(photons) - photons)
    return np.clip(np.round(photons[:-1, :-1] + noise), 0, None).astype(np.float32)


def box2(noise: np.ndarray) -> np.ndarray:
    """2 x 2 box sum with unit energy (one pixel smaller per axis): neighbours correlated 0.5,
    skewness halved."""
    return 0.5 * (noise[:-1, :-1] + noise[1:, :-1] + noise[:-1, 1:] + noise[1:, 1:])


def noisy_sine(size: int = 64, seed: int = 0) -> np.ndarray:
    """A size x size product of sines (100 +- 60) with white Gaussian noise of std 10: the
    image of the tiny trainings that stop, continue and describe models."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    clean = 100 + 60 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    return (clean + rng.normal(0, 10, clean.shape)).astype(np.float32)
