"""Training a model further: settings of another network shape and images on another intensity
scale are refused before any step (`api.continuing`)."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import ConfigError, InputError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 24,
        "student": False}


@pytest.fixture
def trained():
    rng = np.random.default_rng(0)
    image = np.clip(100 + rng.normal(0, 8, (64, 64)), 0, 255).astype(np.uint8)
    return image, napari_sdap.train(image, "YX", steps=3, stride=1, **TINY)


@pytest.mark.parametrize(("change", "named"), [
    ({"width": 16, "blocks": 2}, r"width=16 \(the model's 8\), blocks=2 \(the model's 1\)"),
    ({"preset": "fast"}, r"preset='fast' \(the model's 'tiny'\)"),
    ({"dims": 3}, r"dims=3 \(the model's 2\)"),
])
def test_settings_of_another_network_shape_are_refused(trained, tmp_path, change, named):
    image, model = trained
    with pytest.raises(ConfigError, match=named + ".*cannot change when a model trains further"):
        napari_sdap.train(image, "YX", model=model, steps=2, **change)
    assert model.config.network.width == 8 and model.record.steps == 3
    again = napari_sdap.load_model(model.save(tmp_path / "m.safetensors"))  # still loadable
    assert again.config.network.width == 8


def test_training_further_on_the_same_kind_of_image_goes_on(trained):
    image, model = trained
    other = np.clip(image.astype(np.float32) * 0.8 + 10, 0, 255).astype(np.uint8)
    napari_sdap.train(other, "YX", model=model, steps=2, preset="tiny")
    assert model.record.steps == 5


def test_training_further_on_another_intensity_scale_is_refused(trained):
    image, model = trained
    weights = {k: v.clone() for k, v in model.network.state_dict().items()}
    with pytest.raises(InputError, match=r"another scale.*wreck the network.*without model="):
        napari_sdap.train(image.astype(np.uint16) * 257, "YX", model=model, steps=2)
    assert model.record.steps == 3
    for k, v in model.network.state_dict().items():
        assert np.array_equal(v.numpy(), weights[k].numpy())
