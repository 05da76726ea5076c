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


def test_a_mask_inside_the_data_range_is_left_out():
    """Background-subtracted data (noise about 0) with a masked area set to 0."""
    rng = np.random.default_rng(2)
    img = (200 * smooth_image((128, 128)) + correlated_noise((128, 128), 10.0, k=2)
           + rng.normal(0, 0.01, (128, 128)) - 60).astype(np.float32)
    img[:, 64:] = 0
    est = _estimate(img)
    assert est.blocks > 0 and not est.notes, est
    assert est.stride == 2


@pytest.mark.parametrize("seed", [0, 1])
def test_a_clip_next_to_white_noise_keeps_its_reading(seed):
    """8-bit white noise with its background cut at 0 (92 % zeros, most blocks all 0): the
    blocks beside the clip read the clip's correlation (0.4-0.56), so the clip's blocks are not
    left out, and white noise keeps stride 1."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:256, 0:256]
    clean = np.full((256, 256), -7.0)
    for _ in range(12):  # sparse bright blobs
        cy, cx, r = rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(3, 9)
        clean += 60 * rng.uniform(0.3, 1) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    img = np.clip(np.round(clean + rng.normal(0, 2, clean.shape)), 0, 255).astype(np.uint8)
    assert np.mean(img == 0) > 0.8
    assert _estimate(img).stride == 1
