"""Robust normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.axes import plane_view
from napari_sdap.config import NormalizationConfig
from napari_sdap.model.normalize import Normalization, compute_normalization


def test_percentiles_and_exact_inverse():
    img = np.random.default_rng(0).uniform(100, 4000, (64, 64)).astype(np.uint16)
    norm = compute_normalization([(img, plane_view(img.shape, "YX"))], NormalizationConfig())
    lo, hi = np.percentile(img.astype(np.float32), [0.5, 99.8])
    assert norm.low[0] == pytest.approx(lo) and norm.high[0] == pytest.approx(hi)
    x = img.astype(np.float32)
    y = norm.forward(x, 0)
    assert 0 <= np.median(y) <= 1
    np.testing.assert_allclose(norm.inverse(y, 0), x, rtol=1e-6)


def test_independent_channels_get_their_own_mapping():
    rng = np.random.default_rng(0)
    img = np.stack([rng.uniform(0, 10, (32, 32)), rng.uniform(1000, 5000, (32, 32))])
    norm = compute_normalization([(img, plane_view(img.shape, "CYX"))], NormalizationConfig())
    assert len(norm.low) == 2 and norm.high[0] < 11 and norm.low[1] > 999


def test_joint_rgb_shares_one_mapping():
    img = np.random.default_rng(0).integers(0, 256, (32, 32, 3)).astype(np.uint8)
    norm = compute_normalization([(img, plane_view(img.shape, "YXC"))], NormalizationConfig())
    assert len(norm.low) == 1


def test_constant_image_does_not_divide_by_zero():
    norm = Normalization(low=[5.0], high=[5.0])
    y = norm.forward(np.full((4, 4), 5.0), 0)
    assert np.isfinite(y).all()
