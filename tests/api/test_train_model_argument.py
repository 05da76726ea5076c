"""train(model=...) given something that is not a model (a config, a list of models, a number)
is a ConfigError naming what it takes, as quality_report's model= is (regression: AttributeError
"'SDAPConfig' object has no attribute 'config'", TypeError for a dict)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap import config_from_preset, create_model, iter_train, train
from napari_sdap.errors import ConfigError


@pytest.mark.parametrize("given", [config_from_preset("tiny", 1), [create_model("tiny")], {},
                                   5, False], ids=["config", "list", "dict", "int", "false"])
def test_train_refuses_what_is_not_a_model(given):
    image = np.random.default_rng(0).normal(0.5, 0.1, (48, 48)).astype(np.float32)
    with pytest.raises(ConfigError, match=rf"model must be an SDAPModel.*got "
                                          rf"{type(given).__name__}\)"):
        train(image, model=given, steps=1, device="cpu")
    with pytest.raises(ConfigError, match=r"model must be an SDAPModel"):
        next(iter_train(image, model=given, steps=1, device="cpu"))
