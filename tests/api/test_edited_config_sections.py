"""A model's config edited in a notebook with `model_copy(update=...)`, which pydantic does not
check: a section replaced by a dict, or a value its rules refuse, is a ConfigError naming the fix
before denoising, saving or training further (regression: AttributeError "'dict' object has no
attribute 'flips'", and a ZeroDivisionError when training a model edited to stride 0)."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import untrained_tiny

from napari_sdap import train
from napari_sdap.errors import ConfigError


def _image():
    return np.random.default_rng(0).uniform(100, 1100, (48, 48)).astype(np.float32)


def test_a_section_replaced_by_a_dict_is_refused_naming_the_fix(tmp_path):
    model = untrained_tiny()
    model.config = model.config.model_copy(update={"inference": {"mode": "bsn"}})
    fix = r"model.config.inference must be InferenceConfig settings, not a dict.*model_copy"
    with pytest.raises(ConfigError, match=fix):
        model.denoise(_image(), device="cpu")
    with pytest.raises(ConfigError, match=fix):
        model.save(tmp_path / "m.safetensors")
    with pytest.raises(ConfigError, match=fix):
        train(_image(), model=model, steps=1, device="cpu")
    assert list(tmp_path.iterdir()) == []


def test_training_a_model_edited_to_an_invalid_stride_is_a_config_error():
    model = untrained_tiny()
    t = model.config.training
    model.config = model.config.model_copy(update={"training": t.model_copy(update={"stride": 0})})
    with pytest.raises(ConfigError, match=r"training.stride.*greater than or equal to 1"):
        train(_image(), model=model, steps=1, patch_size=24, device="cpu")
    assert model.record.steps == 0


def test_a_section_updated_as_the_message_says_trains_and_denoises():
    model = untrained_tiny()
    model.config = model.config.model_copy(
        update={"inference": model.config.inference.model_copy(update={"mode": "bsn"})})
    out = model.denoise(_image(), device="cpu")
    assert out.shape == (48, 48) and np.isfinite(out).all()


@pytest.mark.parametrize("given", [None, {"seed": 1}, "tiny"], ids=["none", "dict", "str"])
def test_sdapmodel_refuses_what_is_not_a_config(given):
    from napari_sdap import SDAPModel

    with pytest.raises(ConfigError, match=r"config must be an SDAPConfig.*config_from_preset"):
        SDAPModel(given)


def test_sdapmodel_refuses_a_config_edited_into_invalid_settings():
    from napari_sdap import SDAPModel, config_from_preset

    config = config_from_preset("tiny", 1)
    with pytest.raises(ConfigError, match=r"seed.*greater than or equal to 0 \(got -5\)"):
        SDAPModel(config.model_copy(update={"seed": -5}))  # (was pydantic's own error)
    with pytest.raises(ConfigError, match=r"config.network must be NetworkConfig settings"):
        SDAPModel(config.model_copy(update={"network": {"width": 8}}))
