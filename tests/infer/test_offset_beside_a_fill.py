"""The bias correction of a 2-D model trained on a mosaic with a fill (raw camera tiles stitched
with 0 far below their offset): the fill is left out of the measurement instead of reading as
a clip, and a clip next to the data still turns the correction off."""

from __future__ import annotations

import numpy as np

import napari_sdap
from napari_sdap.infer.offset import estimate_offset


def test_a_clip_beside_the_data_still_means_no_correction() -> None:
    rng = np.random.default_rng(2)
    data = np.maximum(rng.normal(0.05, 0.1, (1, 1000)), 0.0)  # a background cut at 0
    assert estimate_offset([[(data, data - 0.1)]]) == [[0.0]]


def test_the_fill_of_one_channel_leaves_the_other_as_it_was() -> None:
    rng = np.random.default_rng(3)
    x = 1 + 0.1 * rng.normal(size=(2, 1000))
    x[0, :300] = -4.0  # channel 0 beside a fill, channel 1 without
    mu = x - 0.05
    mu[0, :300] = 7.0  # whatever the network made of the fill does not count
    assert np.allclose(estimate_offset([[(x, mu)]])[0], [0.05, 0.05])


def test_a_2d_mosaic_with_a_fill_is_corrected_on_its_data() -> None:
    rng = np.random.default_rng(0)
    img = (100 + rng.poisson(2.0, (96, 96)) + rng.normal(0, 0.3, (96, 96))).astype(np.float32)
    img[:, :24] = 0.0  # a quarter of 0 fill
    model = napari_sdap.train(img, "YX", preset="fast", steps=6, seed=1, device="cpu",
                              student=False, patch_size=32, batch_size=2)
    assert model.noise_curve is not None and model.noise_curve.offset is not None
    assert model.noise_curve.offset[0][0] != 0.0  # (was 0: the fill read as a clip)
