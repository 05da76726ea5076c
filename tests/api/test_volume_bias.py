"""The bias correction of 3-D models, measured when training ends and added after the network."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

import napari_sdap
from napari_sdap.api.volume import volume_sources
from napari_sdap.api.volume_bias import _measure
from napari_sdap.axes import plane_view
from napari_sdap.infer.offset import Shift


def _photons(shape: tuple[int, ...], mean: float, seed: int = 0) -> np.ndarray:
    """Poisson counts of `mean` photons with a little read noise (no clip at 0)."""
    rng = np.random.default_rng(seed)
    return (rng.poisson(mean, shape) + rng.normal(0, 0.05, shape)).astype(np.float32)


def _train(img: np.ndarray, axes: str = "ZYX", **kw) -> napari_sdap.SDAPModel:
    return napari_sdap.train(img, axes, preset="fast", steps=6, seed=1, device="cpu", dims=3,
                             student=False, patch_size=32, batch_size=2, **kw)


def _without(model: napari_sdap.SDAPModel, img: np.ndarray, axes: str) -> np.ndarray:
    kept = model.record.volume_offset
    model.record.volume_offset = None
    try:
        return model.denoise(img, axes, mode="bsn", device="cpu")
    finally:
        model.record.volume_offset = kept


def test_the_correction_is_added_to_the_teacher_output() -> None:
    img = _photons((6, 48, 48), 2.0)
    model = _train(img)
    shift = model.record.volume_offset
    assert shift is not None and len(shift) == 1 and abs(shift[0][0]) > 1e-4
    assert isinstance(model.refine(mode="bsn"), Shift) and model.refine(mode="student") is None
    out = model.denoise(img, "ZYX", mode="bsn", device="cpu")
    added = out - _without(model, img, "ZYX")
    scale = model.normalization.scale(0)[1]
    assert np.allclose(added, shift[0][0] * scale, atol=1e-4 * scale)
    # measured as the mean of input minus output: the corrected output keeps the input's mean
    assert abs(float(out.mean() - img.mean())) < abs(float(added.mean())) / 4
    assert "bias correction" in model.describe_detail()


def test_each_independent_channel_gets_its_own() -> None:
    img = np.stack([_photons((6, 48, 48), 2.0, 0), 5 * _photons((6, 48, 48), 0.8, 1) + 40],
                   axis=0)
    model = _train(img, "CZYX")
    shift = model.record.volume_offset
    assert shift is not None and len(shift) == 2 and shift[0] != shift[1]
    added = model.denoise(img, "CZYX", mode="bsn", device="cpu") - _without(model, img, "CZYX")
    for g in range(2):
        scale = model.normalization.scale(g)[1]
        assert np.allclose(added[g], shift[g][0] * scale, atol=1e-4 * scale)


def test_training_further_measures_it_again() -> None:
    img = _photons((6, 48, 48), 2.0)
    model = _train(img)
    napari_sdap.train(img, "ZYX", model=model, steps=3, device="cpu")
    again = model.record.volume_offset
    assert again is not None
    sources = volume_sources([(img, plane_view(img.shape, "ZYX"))], model.config.network,
                             trained=True)
    assert _measure(model, sources, torch.device("cpu"))[0] == pytest.approx(again[0], abs=1e-6)


def test_not_made_for_clipped_stacks(caplog) -> None:
    rng = np.random.default_rng(0)
    img = rng.poisson(0.6, (6, 48, 48)).astype(np.uint16)  # zeros pile up: read as clipped
    with caplog.at_level(logging.INFO, logger="napari_sdap.api.volume_bias"):
        model = _train(img)
    assert model.record.volume_offset is None and model.refine(mode="bsn") is None
    assert "clipped" in caplog.text


def test_not_made_at_a_stride_above_1(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="napari_sdap.api.volume_bias"):
        model = _train(_photons((6, 48, 48), 2.0), stride=2)
    assert model.record.volume_offset is None
    assert "stride 2" in caplog.text
