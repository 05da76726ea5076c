"""Training a 3-D model of Z stacks further with `along="T"` (a TZYX time-lapse whose planes
are to be read along T): the argument was ignored without a word and the model trained along
Z. It is refused as a changed dims is ("cannot change when a model trains further"), before
any step, and the model is left as it was. A model along T continued without `along` keeps
its T; `along="Z"` given for it is refused the same way (it read as the default)."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import ConfigError

QUICK = {"preset": "tiny", "steps": 1, "device": "cpu", "student": False, "z_step": 1}


def _tzyx() -> np.ndarray:
    return np.random.default_rng(0).normal(100, 10, (4, 4, 32, 32)).astype(np.float32)


def test_along_t_for_a_z_model_is_refused() -> None:
    model = napari_sdap.train(_tzyx(), "TZYX", dims=3, along="Z", **QUICK)
    steps = model.record.steps
    with pytest.raises(ConfigError, match=r"along='T' \(the model's 'Z'\) cannot change when "
                                          r"a model trains further"):
        napari_sdap.train(_tzyx(), "TZYX", model=model, along="T", **QUICK)
    assert model.record.steps == steps and model.config.network.along == "Z"


def test_a_t_model_keeps_its_t_with_the_default() -> None:
    model = napari_sdap.train(_tzyx(), "TZYX", dims=3, along="T", **QUICK)
    napari_sdap.train(_tzyx(), "TZYX", model=model, **QUICK)
    assert model.config.network.along == "T" and model.record.steps == 2
    napari_sdap.train(_tzyx(), "TZYX", model=model, along="T", **QUICK)  # (its own: taken)
    assert model.record.steps == 3


def test_along_z_given_for_a_t_model_is_refused() -> None:
    model = napari_sdap.train(_tzyx(), "TZYX", dims=3, along="T", **QUICK)
    with pytest.raises(ConfigError, match=r"along='Z' \(the model's 'T'\) cannot change"):
        napari_sdap.train(_tzyx(), "TZYX", model=model, along="z", **QUICK)
    assert model.record.steps == 1 and model.config.network.along == "T"


def test_along_of_another_letter_is_refused() -> None:
    with pytest.raises(ConfigError, match="along must be 'Z' or 'T'"):
        napari_sdap.train(_tzyx(), "TZYX", dims=3, along="C", **QUICK)
