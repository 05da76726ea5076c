"""Noise that varies across the image: the gate reads it locally (`infer.noise_field`), so the
detail restore never gives back the noise where it is stronger than its curve says."""

from __future__ import annotations

import numpy as np
import pytest
from test_detail_gate import _blobs, _gains

import napari_sdap.infer.curve as curve_module
from napari_sdap.infer.noise_field import COHERENT, WHITE, coherence, local_scale


def _ramp_noise(seed: int, ratio: float, n: int = 192) -> tuple[np.ndarray, np.ndarray]:
    """(clean cells, the same with white noise whose std grows `ratio` times left to right)."""
    rng = np.random.default_rng(seed)
    clean = 0.2 + 0.6 * _blobs(seed, n)
    std = np.linspace(0.08 / ratio, 0.08, n)[None, :]
    return clean, (clean + rng.normal(size=clean.shape) * std).astype(np.float32)


def test_the_local_scale_follows_a_ramp_and_stays_near_one_on_even_noise():
    rng = np.random.default_rng(0)
    std = np.linspace(1.0, 2.0, 160)[None, None, :] * np.ones((1, 160, 1))
    r = rng.normal(size=(1, 160, 160)) * std
    expected = np.full(r.shape, float(np.mean(std**2)))  # what an intensity curve reads
    flat = np.zeros(r.shape)  # a flat output: every pixel is flat
    scale = local_scale(r * r, expected, flat, r, lag=2)[0]
    left, right = scale[:, 10:40].mean(), scale[:, -40:-10].mean()
    assert 0.4 < left < 0.7 and 1.3 < right < 1.7  # truth: about 0.5 and 1.5
    even = rng.normal(size=(1, 160, 160))
    scale = local_scale(even * even, np.ones(even.shape), flat, even, lag=2)
    assert abs(float(scale.mean()) - 1.0) < 0.05
    assert float(np.mean(scale == 1.0)) > 0.95  # within `DEAD` of 1: the curve's own reading


def test_coherence_tells_texture_from_noise():
    rng = np.random.default_rng(1)
    noise = rng.normal(size=(1, 96, 96))
    yy, xx = np.mgrid[0:96, 0:96]
    texture = np.sin(xx * 1.3)[None] * np.cos(yy * 0.9)[None] + 0.1 * noise
    assert float(coherence(noise, 31, (1, 2))[0, 30:-30, 30:-30].max()) < WHITE
    assert float(coherence(texture, 31, (1, 2))[0, 30:-30, 30:-30].min()) > COHERENT


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_restore_costs_at_most_0_1_db_on_noise_that_doubles_across_the_image(seed):
    clean, x = _ramp_noise(seed, 2.0)
    gated, ungated, _ = _gains(x, clean, 1.0)
    assert ungated < -3.0  # the restore at full strength gives the noise back
    assert gated > -0.1


def test_without_the_local_reading_the_gate_gives_the_noise_back(monkeypatch):
    clean, x = _ramp_noise(0, 2.0)
    monkeypatch.setattr(curve_module, "FIELD", 0)
    gated, _, _ = _gains(x, clean, 1.0)
    assert gated < -1.0  # read by intensity alone, the noise on the right counts as detail
