"""A training section made without its checks (`model_copy(update={"stride": 0})`) assigned to
a config (`model.config.training = ...`, which pydantic validates as a whole) raised a raw
`ZeroDivisionError` from the config's own check (`patch_size % stride`); it is pydantic's
`ValidationError` naming `training.stride` and the rule, as any other invalid assignment, and
the model using it is refused with a `ConfigError` (`api.model_state`)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from napari_sdap import config_from_preset


def test_assigning_a_stride_0_section_is_a_validation_error() -> None:
    config = config_from_preset("tiny")
    with pytest.raises(ValidationError, match=r"training\.stride must be at least 1 \(got 0\)"):
        config.training = config.training.model_copy(update={"stride": 0})


def test_a_model_so_edited_is_refused_with_a_config_error() -> None:
    import numpy as np

    from napari_sdap import create_model
    from napari_sdap.errors import ConfigError

    model = create_model("tiny")
    with pytest.raises(ValidationError):
        model.config.training = model.config.training.model_copy(update={"stride": 0})
    image = np.random.default_rng(0).normal(100, 10, (32, 32)).astype(np.float32)
    with pytest.raises(ConfigError, match=r"training\.stride"):
        model.denoise(image)
