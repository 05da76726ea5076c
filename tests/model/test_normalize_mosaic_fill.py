"""Normalisation of a stitched mosaic of raw camera tiles: the tiles lie near the camera's
offset (100), the fill between them is 0. Taken into the percentiles, the fill squeezed the
data into the top eighth of the network's range (a 31 % fill: the default output 13.6 dB,
below the noisy input's 15.8, against 30.4 dB now). A clip next to the data is kept."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import smooth_image

from napari_sdap.api.intensity import intensity_mismatch
from napari_sdap.axes import plane_view
from napari_sdap.config import NormalizationConfig
from napari_sdap.model.normalize import compute_normalization


def _norm(image, axes="YX"):
    return compute_normalization([(image, plane_view(image.shape, axes))],
                                 NormalizationConfig(), 0)


def _tiles(offset=100.0):
    rng = np.random.default_rng(0)
    return (offset + 12 * smooth_image((128, 128)) + rng.poisson(2.0, (128, 128))
            + rng.normal(0, 1, (128, 128))).astype(np.float32)


@pytest.mark.parametrize("filled_from", [120, 88, 40])
def test_a_zero_fill_below_the_tiles_is_not_their_range(filled_from):
    tiles = _tiles()
    mosaic = tiles.copy()
    mosaic[:, filled_from:] = 0
    norm = _norm(mosaic)
    own = _norm(tiles[:, :filled_from].copy())
    assert norm.low[0] > 90 and norm.low[0] == pytest.approx(own.low[0], abs=1.0)
    assert norm.high[0] == pytest.approx(own.high[0], abs=1.0)


def test_the_mosaic_fits_the_model_trained_on_it():
    mosaic = _tiles()
    mosaic[:, 40:] = 0  # most of the window the check reads is fill

    class Model:
        normalization = _norm(mosaic)

    _, spans = intensity_mismatch(Model, mosaic, plane_view(mosaic.shape, "YX"))
    assert spans < 1.0


def test_a_clipped_background_keeps_its_clip():
    rng = np.random.default_rng(1)
    clean = 80 * smooth_image((128, 128))
    frame = np.clip(np.round(clean - 5 + rng.normal(0, 4, clean.shape)), 0, 255)
    assert np.mean(frame == 0) > 0.05
    assert _norm(frame.astype(np.uint8)).low[0] == 0.0


def test_images_without_a_fill_keep_their_percentiles():
    rng = np.random.default_rng(2)
    image = (rng.normal(0, 1, (2, 96, 96)) * [[[3.0]], [[50.0]]] + [[[10.0]], [[900.0]]])
    norm = _norm(image.astype(np.float32), "CYX")
    for c in range(2):
        lo, hi = np.percentile(image[c].astype(np.float32).astype(np.float64), [0.5, 99.8])
        assert (norm.low[c], norm.high[c]) == (pytest.approx(lo), pytest.approx(hi))
    from napari_sdap.model.normalize import without_fill

    values = rng.normal(5, 3, 1000)
    assert without_fill(values) is values


def test_a_dropped_frame_does_not_refuse_its_stack():
    """A frame of zeros (a dropped frame) in a stack of raw tiles near the offset: the check
    read its median (0) as 4 spans below the model's range and refused the stack."""
    rng = np.random.default_rng(3)
    stack = np.stack([_tiles() for _ in range(6)]) + rng.normal(0, 1, (6, 128, 128))
    stack[3] = 0

    class Model:
        normalization = _norm(stack.astype(np.float32), "TYX")

    assert Model.normalization.low[0] > 90
    _, spans = intensity_mismatch(Model, stack, plane_view(stack.shape, "TYX"))
    assert spans < 1.0
    constant = np.full((128, 128), 1234.0)  # still far off: no plane holds a measurement
    assert intensity_mismatch(Model, constant, plane_view(constant.shape, "YX"))[1] > 3
