"""A model trained further keeps its dims: `dims=2` given for a 3-D model (or 3 for a 2-D one)
is refused (`dims=2` was the default, so a 3-D model went on as 3-D without a word); left out or
'auto', the model's own dims apply."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import ConfigError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 24,
        "student": False, "device": "cpu"}


def _stack() -> np.ndarray:
    return np.random.default_rng(0).normal(100, 8, (6, 48, 48)).astype(np.float32)


def test_a_3d_model_trained_further_keeps_its_dims():
    model = napari_sdap.train(_stack(), "ZYX", steps=1, stride=1, dims=3, **TINY)
    assert model.config.network.dims == 3
    with pytest.raises(ConfigError, match=r"dims=2 \(the model's 3\).*cannot change"):
        napari_sdap.train(_stack(), "ZYX", model=model, steps=1, dims=2)
    with pytest.raises(ConfigError, match=r"dims must be 2, 3 or 'auto' \(got 4\)"):
        napari_sdap.train(_stack(), "ZYX", model=model, steps=1, dims=4)
    napari_sdap.train(_stack(), "ZYX", model=model, steps=1)
    napari_sdap.train(_stack(), "ZYX", model=model, steps=1, dims="auto")
    napari_sdap.train(_stack(), "ZYX", model=model, steps=1, dims=3)
    assert model.record.steps == 4 and model.config.network.dims == 3


def test_a_2d_model_and_new_models():
    model = napari_sdap.train(_stack(), "ZYX", steps=1, stride=1, **TINY)
    assert model.config.network.dims == 2
    with pytest.raises(ConfigError, match=r"dims=3 \(the model's 2\)"):
        napari_sdap.train(_stack(), "ZYX", model=model, steps=1, dims=3)
    napari_sdap.train(_stack(), "ZYX", model=model, steps=1, dims=2)
    assert model.record.steps == 2
