"""The bias correction of a 3-D model trained on a stack with a fill (a stitched mosaic's 0 far
below the data): the fill is left out of the measurement instead of reading as a clip."""

from __future__ import annotations

import numpy as np

import napari_sdap
from napari_sdap.infer.offset import estimate_offset


def _mosaic(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """6 x 48 x 48: a quarter of the columns a 0 fill, the rest 100 + 2 photons + read noise;
    and the mask of the data."""
    rng = np.random.default_rng(seed)
    shape = (6, 48, 48)
    data = 100 + rng.poisson(2.0, shape) + rng.normal(0, 0.3, shape)
    filled = np.zeros(shape, bool)
    filled[..., :12] = True
    return np.where(filled, 0.0, data).astype(np.float32), ~filled


def test_a_fill_is_left_out_not_read_as_a_clip() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([np.full((1, 200), -5.0), 1 + 0.1 * rng.normal(size=(1, 800))], axis=1)
    mu = np.concatenate([np.full((1, 200), -5.0), np.full((1, 800), 0.9)], axis=1)
    assert abs(estimate_offset([[(x, mu)]])[0][0] - 0.1) < 0.02  # the data's bias, fill left out


def test_a_3d_model_beside_a_fill_keeps_the_data_level() -> None:
    img, data = _mosaic()
    model = napari_sdap.train(img, "ZYX", preset="fast", steps=6, seed=1, device="cpu", dims=3,
                              student=False, patch_size=32, batch_size=2)
    assert model.record.volume_offset is not None  # (was None: the fill read as a clip)
    out = model.denoise(img, "ZYX", device="cpu")
    assert abs(float(out[data].mean()) - float(img[data].mean())) < 0.3  # was ~13 photons dark
