"""Noise estimate across noise strengths and correlation lengths (white -> 1, box k -> k)."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import correlated_noise, smooth_image

from napari_sdap.api import analyze_noise
from napari_sdap.training.noise import choose_stride, describe_noise


def _estimate(image: np.ndarray):
    return analyze_noise(image, "YX")


@pytest.mark.parametrize("sigma", [0.03, 0.1, 0.3])
def test_white_noise_gets_stride_one(sigma):
    clean = smooth_image((128, 128), seed=2)
    noisy = clean + np.random.default_rng(5).normal(0, sigma, clean.shape).astype(np.float32)
    est = _estimate(noisy)
    assert est.stride == 1, est.summary()
    assert est.mode == "bsn"
    assert abs(est.correlation_x[0]) < 0.15 and abs(est.correlation_y[0]) < 0.15


@pytest.mark.parametrize("sigma", [0.03, 0.1])
def test_box_filtered_noise_gets_a_decorrelating_stride(sigma):
    clean = smooth_image((128, 128), seed=2)
    noisy = clean + correlated_noise(clean.shape, sigma, seed=4, k=3)
    est = _estimate(noisy)
    # 3x3 box: true correlation 2/3 at lag 1, 1/3 at lag 2, 0 from lag 3
    assert est.stride >= 2, est.summary()
    assert est.mode == "sdap_e"
    assert est.correlation_x[0] > 0.45 and est.correlation_y[0] > 0.45
    assert "correlated" in describe_noise(est)


def test_two_by_two_correlation_gets_stride_two():
    clean = smooth_image((128, 128), seed=2)
    white = np.random.default_rng(6).normal(0, 0.05, (129, 129))
    noise = (white[:-1, :-1] + white[1:, :-1] + white[:-1, 1:] + white[1:, 1:]) / 2
    est = _estimate((clean + noise).astype(np.float32))
    assert est.stride == 2, est.summary()


def test_choose_stride_thresholds():
    assert choose_stride([0.25, 0, 0, 0], [0.1, 0, 0, 0]) == 1
    assert choose_stride([0.6, 0.1, 0, 0], [0.6, 0.1, 0, 0]) == 2
    assert choose_stride([0.7, 0.3, 0.1, 0], [0.7, 0.3, 0.1, 0]) == 3
    assert choose_stride([0.9, 0.8, 0.7, 0.6], [0.9, 0.8, 0.7, 0.6]) == 5


def test_describe_noise_round_trips_a_record():
    from dataclasses import asdict

    est = _estimate(smooth_image((64, 64)) + np.float32(0))
    assert describe_noise(asdict(est)) == est.summary()
    assert "not analysed" in describe_noise(None)
