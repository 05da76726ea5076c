"""`create_model("fast", steps=N, student=False)` then `train(image, model=m)`: the first
training took the preset's `steps_without_student` (500 for `fast`) in place of the steps the
model was made with, so steps=3 trained 500 steps and steps=2000 trained 500, without a word.
Steps given to `config_from_preset` / `create_model` are the steps; without them the preset's
rule stays (500 for a `fast` model that distils no student)."""

from __future__ import annotations

import numpy as np

import napari_sdap
from napari_sdap.api.training_end import steps_alone


def _image() -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:48, :48]
    return (100 + 50 * np.sin(xx / 5) * np.cos(yy / 7) + rng.normal(0, 10, (48, 48))
            ).astype(np.float32)


def test_steps_given_to_create_model_are_trained() -> None:
    model = napari_sdap.create_model("fast", steps=3, student=False, stride=2)
    records = list(napari_sdap.iter_train(_image(), model=model, stride=2, device="cpu"))
    assert records[-1].steps == 3 and model.record.steps == 3
    assert model.config.training.steps == 3


def test_the_presets_rule_without_given_steps() -> None:
    assert steps_alone(napari_sdap.config_from_preset("fast", stride=2)).training.steps == 500
    given = napari_sdap.config_from_preset("fast", stride=2, steps=2000)
    assert steps_alone(given).training.steps == 2000
    both = napari_sdap.config_from_preset("fast", stride=2, steps=7, steps_without_student=9)
    assert both.training.steps_without_student == 9  # (given too: kept)
