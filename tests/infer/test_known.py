"""A noise level the user knows (`infer.known`), and the curve that takes it
(`infer.curve.estimate_curve`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_sdap.config import TrainingConfig
from napari_sdap.infer.curve import estimate_curve
from napari_sdap.infer.known import KnownNoise, known_noise, per_group
from napari_sdap.infer.refine import apply_curve
from napari_sdap.model.normalize import Normalization


def test_variance_is_read_noise_plus_gain_above_the_offset():
    noise = KnownNoise(std=2.0, gain=0.5, offset=100.0)
    got = noise.variance(np.array([50.0, 100.0, 120.0]))
    np.testing.assert_allclose(got, [4.0, 4.0, 4.0 + 0.5 * 20.0])
    assert noise.describe() == "std 2, variance + 0.5 per unit above 100"
    assert KnownNoise(15.0).describe() == "std 15"


def test_network_scale_variance_is_the_image_variance_over_the_scale_squared():
    noise = KnownNoise(std=3.0, gain=2.0, offset=10.0)
    norm = Normalization(low=[10.0, 0.0], high=[210.0, 1000.0])
    at = per_group(noise, norm, 2)
    levels = np.array([0.0, 0.25, 1.0])
    np.testing.assert_allclose(at(0, levels), noise.variance(10.0 + 200.0 * levels) / 200.0**2)
    np.testing.assert_allclose(at(1, levels), noise.variance(1000.0 * levels) / 1000.0**2)


def test_config_without_a_level_reads_the_noise_from_the_data():
    assert known_noise(TrainingConfig()) is None
    given = known_noise(TrainingConfig(noise_std=0.0, noise_gain=1.5, noise_offset=-2.0))
    assert given == KnownNoise(0.0, 1.5, -2.0)


@pytest.mark.parametrize(("kw", "words"), [
    ({"noise_gain": 1.0}, r"needs noise_std.*give noise_std"),
    ({"noise_offset": 5.0}, r"needs noise_std"),
    ({"noise_std": 0.0}, r"no noise"),
    ({"noise_std": -1.0}, r"greater than or equal to 0"),
    ({"noise_std": float("nan")}, r"finite"),
    ({"noise_std": 1.0, "noise_gain": -0.5}, r"greater than or equal to 0"),
])
def test_bad_levels_are_refused(kw, words):
    with pytest.raises(ValueError, match=words):
        TrainingConfig(**kw)


def _box(rng: np.random.Generator, n: int, k: int, std: float) -> np.ndarray:
    """Gaussian noise of std `std` box-filtered over k x k pixels."""
    w = rng.normal(0, 1, (n + k - 1, n + k - 1))
    return (std * sum(w[dy : dy + n, dx : dx + n] for dy in range(k) for dx in range(k)) / k
            ).astype(np.float32)


def _scene(kind: str, rng: np.random.Generator, n: int = 192) -> tuple[np.ndarray, np.ndarray]:
    """(clean, what a network returns): dense fine texture it missed entirely, or a smooth
    image it got right."""
    if kind == "smooth":
        yy, xx = np.mgrid[:n, :n]
        clean = (0.5 + 0.2 * np.sin(xx / 15) * np.cos(yy / 17)).astype(np.float32)
        return clean, clean
    clean = np.full((n, n), 0.5, np.float32)
    for _ in range(1500):
        y, x = rng.integers(0, n, 2)
        h, w = rng.integers(1, 4, 2)
        clean[y : y + h, x : x + w] = rng.uniform(0.2, 0.8)
    return clean, np.full_like(clean, 0.5)


@pytest.mark.parametrize(("kind", "k", "low", "high"), [
    ("texture", 2, 2.0, np.inf),  # texture taken for noise: read 3.5x
    ("smooth", 3, 0.0, 0.7),  # noise correlated past the lag: read 0.5x
])
def test_the_curve_takes_the_given_level_where_the_reading_is_wrong(kind, k, low, high):
    rng = np.random.default_rng(4)
    clean, mu = _scene(kind, rng)
    std = 0.03
    x = clean + _box(rng, clean.shape[0], k, std)
    pairs = [[(x[None], mu[None])]]
    read = estimate_curve(pairs, threshold=1.5, lag=2)
    assert low < np.mean(read.variance[0][0]) / std**2 < high
    curve = estimate_curve(pairs, threshold=1.0, lag=2,
                           known=lambda g, lv: np.full(len(lv), std**2))
    np.testing.assert_allclose(curve.variance[0][0], std**2)

    def error(c):
        out = apply_curve(torch.from_numpy(x)[None, None], torch.from_numpy(mu)[None, None], c,
                          [0])[0, 0].numpy()
        return float(np.mean((out - clean) ** 2))

    assert error(curve) < 0.95 * error(read)
