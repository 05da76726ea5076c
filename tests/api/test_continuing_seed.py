"""A model trained further keeps its seed: another one given is refused (it was silently
ignored, and the model still said the seed it was made with); left out, or the same, it
trains on."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import ConfigError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 24,
        "student": False, "device": "cpu"}


def _image() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.clip(100 + rng.normal(0, 8, (64, 64)), 0, 255).astype(np.uint8)


def test_another_seed_for_a_model_trained_further_is_refused(tmp_path):
    model = napari_sdap.train(_image(), "YX", steps=2, stride=1, seed=5, **TINY)
    assert model.config.seed == 5
    with pytest.raises(ConfigError, match=r"seed=9 differs from the seed of the model .*\(5\)"):
        napari_sdap.train(_image(), "YX", model=model, steps=1, seed=9)
    path = model.save(tmp_path / "m.safetensors")
    with pytest.raises(ConfigError, match="leave seed out"):
        napari_sdap.train(_image(), "YX", model=path, steps=1, seed=0)
    assert model.record.steps == 2
    napari_sdap.train(_image(), "YX", model=model, steps=1)  # its own seed
    napari_sdap.train(_image(), "YX", model=model, steps=1, seed=5)
    assert model.record.steps == 4 and model.config.seed == 5


def test_a_new_model_takes_the_seed_given_or_0():
    assert napari_sdap.train(_image(), "YX", steps=1, stride=1, **TINY).config.seed == 0
    assert napari_sdap.train(_image(), "YX", steps=1, stride=1, seed=7, **TINY).config.seed == 7
    with pytest.raises(ConfigError, match="seed must be a whole number"):
        napari_sdap.train(_image(), "YX", steps=1, seed=-1, **TINY)
