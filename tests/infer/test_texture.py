"""The cap of the noise curve against texture (`infer.texture`): a bin that is all texture the
network missed reads near its noise, a bin of noise alone reads as without the cap."""

from __future__ import annotations

import numpy as np

from napari_sdap.infer.curve import estimate_curve
from napari_sdap.infer.texture import CAP_FACTOR, CAP_QUANTILE, texture_cap

STD = 0.05
N = 256


def _box_noise(rng: np.random.Generator, std: float) -> np.ndarray:
    """2 x 2 box-filtered Gaussian noise: decorrelated at a lag of 2 px, as the cap needs."""
    w = rng.normal(0, 1, (N + 1, N + 1))
    return (std * sum(w[dy:dy + N, dx:dx + N] for dy in range(2) for dx in range(2)) / 2.0
            ).astype(np.float32)


def _pair(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(input, network output): a ramp from 0.2 to 0.8 along X, box noise of std 0.05, and in
    the bright half patches of fine texture (std 0.12) that the output missed, over about 70 %
    of it."""
    rng = np.random.default_rng(seed)
    clean = np.tile(np.linspace(0.2, 0.8, N, dtype=np.float32), (N, 1))
    texture = np.zeros((N, N), np.float32)
    for _ in range(60):
        y, x = rng.integers(0, N, 2)
        x = N // 2 + x // 2
        h, w = rng.integers(12, 40, 2)
        patch = texture[y:y + h, x:x + w]
        patch[...] = rng.normal(0, 0.12, patch.shape)
    x = clean + _box_noise(rng, STD) + texture
    return x[None], clean[None]


def _bright_and_dark(cap: bool) -> tuple[np.ndarray, np.ndarray]:
    """Noise variance the model curve reads over the truth, at the bright and dark levels."""
    x, mu = _pair()
    curve = estimate_curve([[(x, mu)]], threshold=1.25, lag=2, cap=cap)
    levels = np.array(curve.levels[0][0])
    ratio = np.array(curve.variance[0][0]) / STD**2
    return ratio[levels > 0.6], ratio[levels < 0.45]


def test_the_cap_reads_a_textured_bin_near_its_noise() -> None:
    bright, dark = _bright_and_dark(cap=False)
    capped_bright, capped_dark = _bright_and_dark(cap=True)
    assert bright.size and dark.size
    assert bright.max() > 2.0  # without the cap, the texture reads as noise
    assert 0.7 < capped_bright.min() and capped_bright.max() < 1.7
    assert np.allclose(capped_dark, dark, rtol=0.1)  # noise alone: about as before
    assert 0.8 < dark.min() and dark.max() < 1.25


def test_the_cap_is_a_low_quantile_scaled() -> None:
    values = np.arange(1.0, 101.0)
    masks = [values <= 50, values > 50]
    quantiles = [np.quantile(values[m], CAP_QUANTILE) for m in masks]
    caps = [CAP_FACTOR * q for q in quantiles]
    assert np.allclose(texture_cap(values, masks, [quantiles[0] * 1.5, 1e9]), caps)
    # even the bin of least texture reads above its cap: noise that is not Gaussian-like
    assert texture_cap(values, masks, [caps[0] * 1.01, caps[1] * 1.5]) == [np.inf, np.inf]


def test_patchy_noise_is_not_capped() -> None:
    """Noise present in some 8 x 8 blocks only (as JPEG leaves it in busy blocks and flattens
    it in smooth ones): its local readings spread far wider than Gaussian noise's, and the
    curve reads it as without the cap."""
    rng = np.random.default_rng(1)
    clean = np.tile(np.linspace(0.2, 0.8, N, dtype=np.float32), (N, 1))
    blocks = np.kron(rng.random((N // 8, N // 8)) < 0.4, np.ones((8, 8))).astype(np.float32)
    x = clean + _box_noise(rng, STD) * blocks
    plain, capped = (estimate_curve([[(x[None], clean[None])]], threshold=1.25, lag=2, cap=c)
                     for c in (False, True))
    assert capped.variance == plain.variance
    assert capped.threshold == plain.threshold and capped.strength == plain.strength
