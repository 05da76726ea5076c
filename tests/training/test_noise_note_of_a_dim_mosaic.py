"""A mosaic of dim 8-bit tiles (FMD-like: data from 2 counts up) with a 0 fill over a quarter of
it: the fill's blocks take the whole flattest quarter and no noise is read. The note said
'image too small to measure noise (< 16 px)' of a 128 x 128 image (the Train panel: 'not
measurable on so small an image'); it names the one value instead. The settings chosen are
unchanged (white noise assumed, stride 1)."""

from __future__ import annotations

import numpy as np

from napari_sdap.axes import plane_view
from napari_sdap.training.noise import estimate_noise


def _dim_mosaic() -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:128, 0:128]
    clean = 12 + 40 * np.exp(-((yy - 40) ** 2 + (xx - 90) ** 2) / 900.0)
    img = np.clip(rng.poisson(clean), 2, 255).astype(np.uint8)
    img[64:, :64] = 0  # the fill of a stitched mosaic, outside the acquired tiles
    return img


def test_the_note_names_the_fill_not_a_small_image():
    img = _dim_mosaic()
    est = estimate_noise([(img, plane_view(img.shape, None))])
    assert est.stride == 1 and est.mode == "bsn" and est.unmeasured  # (as before)
    note = " ".join(est.notes)
    assert "too small" not in note and "< 16 px" not in note, note
    assert "one value" in note and "fill" in note, note
    assert "unmeasurable" in est.summary()


def test_a_small_image_keeps_its_note():
    img = np.random.default_rng(1).normal(100, 5, (12, 40)).astype(np.float32)
    est = estimate_noise([(img, plane_view(img.shape, None))])
    assert est.unmeasured and est.notes[0].startswith("image too small to measure noise")
