"""The caps of the noise curve against texture (`infer.texture`): a bin that is all texture the
network missed reads near its noise, a bin of noise alone reads as without the cap. The white
cap reads the noise from the input's highest frequencies; clipped pixels do not count."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter

from napari_sdap.infer.curve import estimate_curve
from napari_sdap.infer.texture import (
    CAP_FACTOR,
    CAP_QUANTILE,
    HP_FACTOR,
    HP_NORM,
    HP_QUANTILE,
    HP_SKEW,
    gaussian_like,
    high_pass_energy,
    texture_cap,
    white_cap,
)

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


def _bright_and_dark(pair=None, threshold: float = 1.25, **options: bool
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Noise variance the model curve reads over the truth, at the bright and dark levels, on
    `pair()` (`_pair` by default) with the estimate's `options` (`cap`, `white`)."""
    x, mu = (pair or _pair)()
    curve = estimate_curve([[(x, mu)]], threshold=threshold, lag=2, **options)
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


def _white_pair(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(input, network output): a ramp from 0.2 to 0.8 along X, white noise of std 0.05, and
    over the bright half smooth texture (std 0.12, correlated over about 2 px) that the output
    missed."""
    rng = np.random.default_rng(seed)
    clean = np.tile(np.linspace(0.2, 0.8, N, dtype=np.float32), (N, 1))
    texture = gaussian_filter(rng.normal(0, 1, (N, N)), 1.5)
    texture *= 0.12 / texture.std()
    texture[:, : N // 2] = 0.0
    x = clean + rng.normal(0, STD, (N, N)) + texture
    return x[None].astype(np.float32), clean[None]


def test_white_noise_reads_its_variance() -> None:
    rng = np.random.default_rng(1)
    x = torch.from_numpy((0.5 + rng.normal(0, STD, (1, N, N))).astype(np.float32))
    hp = high_pass_energy(x).numpy()[0]
    assert np.isinf(hp[:5]).all() and np.isfinite(hp[5:-5, 5:-5]).all()
    read = np.quantile(hp[np.isfinite(hp)], HP_QUANTILE) / HP_NORM
    assert read == pytest.approx(STD**2, rel=0.1)
    assert np.mean(hp[np.isfinite(hp)]) == pytest.approx(STD**2, rel=0.05)


def test_the_white_cap_reads_a_textured_bin_near_its_noise() -> None:
    bright, dark = _bright_and_dark(_white_pair, 1.0, white=False)
    capped_bright, capped_dark = _bright_and_dark(_white_pair, 1.0, white=True)
    assert bright.size and dark.size
    assert bright.max() > 2.0  # without the cap, the missed texture reads as noise
    assert capped_bright.max() < HP_FACTOR * 1.25
    assert 0.8 < capped_bright.min()
    assert np.allclose(capped_dark, dark, rtol=0.05)  # noise alone: as before


def test_the_white_cap_leaves_clipped_pixels_out() -> None:
    """8-bit frames with the background cut at 0: windows that hold a zero read nothing."""
    rng = np.random.default_rng(2)
    level = np.where(np.arange(N)[None, :] < N // 2, 1.0, 60.0)
    x = np.clip(np.rint(level + rng.normal(0, 3.0, (N, N))), 0, 255).astype(np.float32)
    hp = high_pass_energy(torch.from_numpy(x[None])).numpy()[0]
    counted = np.isfinite(hp)
    assert not counted[:, : N // 2 - 6].any()  # the clipped half is left out
    assert counted[5:-5, N // 2 + 6 : -5].all()
    caps = white_cap(hp, [np.ones_like(counted)], [9.0])
    assert caps[0] == pytest.approx(HP_FACTOR * 9.0 * (1 + 1 / 108), rel=0.15)  # + rounding


def test_too_few_readings_leave_the_bin_uncapped() -> None:
    hp = np.full((1, 40), np.inf)
    hp[0, :10] = 1.0
    assert white_cap(hp[0], [np.ones(40, bool)], [1.0]) == [np.inf]


def test_no_cap_where_even_the_least_textured_bin_reads_above_it() -> None:
    """Noise whose highest frequencies hold less than white Gaussian noise's (few-count photon
    noise, noise correlated between neighbours) reads low there in every bin: no cap at all."""
    hp = np.full(1000, HP_NORM)  # reads a variance of 1 in both bins
    masks = [np.arange(1000) < 500, np.arange(1000) >= 500]
    assert white_cap(hp, masks, [1.0, 3.0]) == [pytest.approx(HP_FACTOR)] * 2
    assert white_cap(hp, masks, [1.5, 3.0]) == [np.inf, np.inf]


def test_only_near_gaussian_noise_is_capped() -> None:
    assert gaussian_like({"skew": 0.1}) and gaussian_like({"skew": -HP_SKEW})
    assert not gaussian_like({"skew": 2.4})  # photon noise of a few counts
    assert not gaussian_like({"skew": None}) and not gaussian_like(None)  # not read
