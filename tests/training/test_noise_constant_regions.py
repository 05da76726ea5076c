"""The noise estimate of an image with large constant areas (a stitched mosaic's zero fill, a
masked region): the constant blocks are the flattest ones, and they took the whole flattest
quarter, so the noise was called unmeasurable ('image too small') and white noise assumed."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import correlated_noise, smooth_image

from napari_sdap.axes import plane_view
from napari_sdap.training.noise import estimate_noise


def _estimate(image):
    return estimate_noise([(image, plane_view(image.shape, None))])


def _mosaic(noise, filled_from):
    img = (200 * smooth_image((128, 128)) + 100 + noise).astype(np.float32)
    img[:, filled_from:] = 0  # the fill of a stitched mosaic, outside the acquired tiles
    return img


@pytest.mark.parametrize("filled_from", [40, 64, 80])
def test_correlated_noise_next_to_a_zero_fill_is_read(filled_from):
    img = _mosaic(correlated_noise((128, 128), 10.0, k=2), filled_from)
    est = _estimate(img)
    assert est.blocks > 0 and not est.notes, est
    assert est.correlation_x[0] > 0.3 and est.correlation_y[0] > 0.3
    assert est.stride == 2 and est.mode == "sdap_e"
    assert est.skew is not None


def test_white_noise_next_to_a_zero_fill_is_read_as_white():
    img = _mosaic(np.random.default_rng(1).normal(0, 10.0, (128, 128)), 64)
    est = _estimate(img)
    assert est.blocks > 0 and not est.notes, est
    assert abs(est.correlation_x[0]) < 0.15 and est.stride == 1
