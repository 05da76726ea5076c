"""The intensity check on a stitched mosaic whose zero fill is about half of the image: the
noise read from neighbour differences (their interquartile range) collapsed as the share of
exact zeros neared a half (76x low), so the model of the tiles refused the mosaic, and the
model of the mosaic refused the tiles, as 'stored on another scale'."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import smooth_image

from napari_sdap.api.intensity import WARN, intensity_mismatch
from napari_sdap.axes import plane_view
from napari_sdap.config import NormalizationConfig
from napari_sdap.model.normalize import compute_normalization, difference_std, differences


class _Model:
    def __init__(self, image):
        view = plane_view(image.shape, "YX")
        self.normalization = compute_normalization([(image, view)], NormalizationConfig(), 0)


def _tiles():
    rng = np.random.default_rng(0)
    return (400 * smooth_image((128, 128)) + 100 + rng.normal(0, 10, (128, 128))
            ).astype(np.float32)


def _mosaic(tiles, filled_from):
    out = tiles.copy()
    out[:, filled_from:] = 0
    return out


@pytest.mark.parametrize("filled_from", [72, 66, 64, 63])
def test_noise_of_a_half_filled_mosaic_reads_near_the_tiles(filled_from):
    tiles = _tiles()
    full = difference_std(differences(tiles[None]))
    half = difference_std(differences(_mosaic(tiles, filled_from)[None]))
    assert full / 3 < half < full * 1.5, (full, half)


@pytest.mark.parametrize("trained_on_mosaic", [False, True])
def test_the_tiles_and_their_mosaic_fit_each_others_model(trained_on_mosaic):
    tiles = _tiles()
    mosaic = _mosaic(tiles, 64)
    model = _Model(mosaic if trained_on_mosaic else tiles)
    other = tiles if trained_on_mosaic else mosaic
    ratio, _ = intensity_mismatch(model, other, plane_view(other.shape, "YX"))
    assert 1 / WARN < ratio < WARN, ratio


def test_ordinary_noise_reads_as_before():
    """Below a quarter of zero differences the interquartile range still reads the noise."""
    tiles = _tiles()
    d = differences(tiles[None])
    q1, q3 = np.percentile(d, [25, 75])
    assert difference_std(d) == pytest.approx((q3 - q1) / 1.349 / np.sqrt(2))
