"""The bias correction of 3-D models, added to the network's output bias when training ends."""

from __future__ import annotations

import logging

import numpy as np
import torch

import napari_sdap
from napari_sdap.api.volume import volume_sources
from napari_sdap.api.volume_bias import _measure
from napari_sdap.axes import plane_view


def _photons(shape: tuple[int, ...], mean: float, seed: int = 0) -> np.ndarray:
    """Poisson counts of `mean` photons with a little read noise (no clip at 0)."""
    rng = np.random.default_rng(seed)
    return (rng.poisson(mean, shape) + rng.normal(0, 0.05, shape)).astype(np.float32)


def _train(img: np.ndarray, axes: str = "ZYX", **kw) -> napari_sdap.SDAPModel:
    return napari_sdap.train(img, axes, preset="fast", steps=6, seed=1, device="cpu", dims=3,
                             student=False, patch_size=32, batch_size=2, **kw)


def test_the_correction_is_folded_in_and_leaves_no_measured_bias() -> None:
    img = _photons((6, 48, 48), 2.0)
    model = _train(img)
    shift = model.record.volume_offset
    assert shift is not None and len(shift) == 1 and abs(shift[0]) > 1e-4
    sources = volume_sources([(img, plane_view(img.shape, "ZYX"))], model.config.network,
                             trained=True)
    assert abs(_measure(model, sources, torch.device("cpu"))[0]) < 1e-5
    assert "bias correction" in model.describe_detail()


def test_the_correction_adds_up_over_trainings() -> None:
    img = _photons((6, 48, 48), 2.0)
    model = _train(img)
    first = list(model.record.volume_offset)
    bias = float(model.network.tail[-1].bias[0])
    napari_sdap.train(img, "ZYX", model=model, steps=3, device="cpu")
    assert model.record.volume_offset is not None
    added = model.record.volume_offset[0] - first[0]
    assert abs(float(model.network.tail[-1].bias[0]) - bias) > 0  # (trained on, then shifted)
    assert added != 0.0


def test_not_made_for_clipped_stacks(caplog) -> None:
    rng = np.random.default_rng(0)
    img = rng.poisson(0.6, (6, 48, 48)).astype(np.uint16)  # zeros pile up: read as clipped
    with caplog.at_level(logging.INFO, logger="napari_sdap.api.volume_bias"):
        model = _train(img)
    assert model.record.volume_offset is None
    assert "clipped" in caplog.text


def test_not_made_for_independent_channels(caplog) -> None:
    img = np.stack([_photons((6, 48, 48), 2.0, 0), 5 * _photons((6, 48, 48), 2.0, 1)], axis=0)
    with caplog.at_level(logging.INFO, logger="napari_sdap.api.volume_bias"):
        model = _train(img, "CZYX")
    assert len(model.normalization.low) == 2
    assert model.record.volume_offset is None
    assert "independent channels" in caplog.text
