"""The cap of the noise curve for white noise (`infer.texture.white_cap`): the high-pass energy
of the input reads the noise and next to none of the texture; clipped pixels do not count."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter

from napari_sdap.infer.curve import estimate_curve
from napari_sdap.infer.texture import (
    HP_FACTOR,
    HP_NORM,
    HP_QUANTILE,
    HP_SKEW,
    gaussian_like,
    high_pass_energy,
    white_cap,
)

STD = 0.05
N = 256


def _pair(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
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


def _bright_and_dark(white: bool) -> tuple[np.ndarray, np.ndarray]:
    x, mu = _pair()
    curve = estimate_curve([[(x, mu)]], threshold=1.0, lag=2, white=white)
    levels = np.array(curve.levels[0][0])
    ratio = np.array(curve.variance[0][0]) / STD**2
    return ratio[levels > 0.6], ratio[levels < 0.45]


def test_white_noise_reads_its_variance() -> None:
    rng = np.random.default_rng(1)
    x = torch.from_numpy((0.5 + rng.normal(0, STD, (1, N, N))).astype(np.float32))
    hp = high_pass_energy(x).numpy()[0]
    assert np.isinf(hp[:5]).all() and np.isfinite(hp[5:-5, 5:-5]).all()
    read = np.quantile(hp[np.isfinite(hp)], HP_QUANTILE) / HP_NORM
    assert read == pytest.approx(STD**2, rel=0.1)
    assert np.mean(hp[np.isfinite(hp)]) == pytest.approx(STD**2, rel=0.05)


def test_the_cap_reads_a_textured_bin_near_its_noise() -> None:
    bright, dark = _bright_and_dark(white=False)
    capped_bright, capped_dark = _bright_and_dark(white=True)
    assert bright.size and dark.size
    assert bright.max() > 2.0  # without the cap, the missed texture reads as noise
    assert capped_bright.max() < HP_FACTOR * 1.25
    assert 0.8 < capped_bright.min()
    assert np.allclose(capped_dark, dark, rtol=0.05)  # noise alone: as before


def test_clipped_pixels_do_not_count() -> None:
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
