"""The bias correction of a 2-D model trained on a mosaic with a fill (raw camera tiles stitched
with 0 far below their offset): the fill is left out of the measurement instead of reading as
a clip, and a clip next to the data still turns the correction off."""

from __future__ import annotations

import numpy as np

import napari_sdap
from napari_sdap.clipping import CLIPPED, clipped_ends
from napari_sdap.infer.offset import estimate_offset, is_fill
from napari_sdap.model.normalize import without_fill


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


def _counts(peak: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:128, :128]
    lam = peak * (0.5 + 0.5 * np.sin(xx / 9) * np.cos(yy / 13)) ** 2 + 0.02
    return rng.poisson(lam).astype(np.float64)


def test_bright_tiles_beside_a_fill_read_as_a_fill() -> None:
    """Data spanning more than twice their gap above the fill (FMD frames at a 100 ADU offset
    go up to 355): the span alone read the fill as a clip."""
    rng = np.random.default_rng(1)
    tile = 100 + 8 * _counts(30) + rng.normal(0, 2, (128, 128))
    tile[:, :32] = 0.0
    assert without_fill(tile.ravel()).size == tile.size  # the span alone: no fill
    assert is_fill(tile.ravel(), [tile])


def test_clips_are_not_fills() -> None:
    """Photon counts whose zeros pile up (a fraction of a photon a pixel), and camera values
    clipped at 0, keep their pile as a clip: no correction."""
    rng = np.random.default_rng(2)
    for peak in (0.3, 3.0):
        counts = _counts(peak)
        clipped = np.clip(np.round(8 * counts + rng.normal(0, 2, counts.shape)), 0, 255)
        for a in (counts, clipped):
            assert clipped_ends(a.ravel(), CLIPPED)[0] and not is_fill(a.ravel(), [a])


def test_a_fill_beside_data_whose_lowest_value_is_commoner_is_left_out() -> None:
    """Counts on an offset of 100 without read noise (about 60 % of the data at exactly 100)
    beside a 10 % fill: the fill was not the commonest low value, so it was counted in and the
    data's own clip at 100 went unseen (a 3-D stack came out 2.3 ADU bright)."""
    rng = np.random.default_rng(4)
    data = 100 + rng.poisson(0.5, (64, 64)).astype(np.float64)
    data[:, :6] = 0.0
    assert is_fill(data.ravel(), [data])
    mu = data + 0.3  # (what the network made of it does not matter: the rest reads clipped)
    assert estimate_offset([[(data[None], mu[None])]]) == [[0.0]]
