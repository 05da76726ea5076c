"""Training further a model saved before its normalisation recorded the training data's noise
(`Normalization.noise`, 5 December 2026: every model a lab trained before) on the same images
stored as 0..1 instead of 0..255: the intensity check skipped its noise half for such models and
the median lay within three spans of the training range, so the network was trained on a
scale 255x off without a word (denoising has the output's trial; training further has none).
The noise is read from the model's noise curve for that check: refused, as for newer models."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import noisy_sine

import napari_sdap
from napari_sdap.errors import InputError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "steps": 2, "stride": 1, "student": False, "device": "cpu"}


def _saved_before_the_noise_field():
    model = napari_sdap.train(noisy_sine(), "YX", **TINY)
    assert model.normalization.noise is not None and model.noise_curve is not None
    model.normalization = model.normalization.model_copy(update={"noise": None})
    return model


def test_the_same_images_on_a_0_to_1_scale_are_refused():
    model = _saved_before_the_noise_field()
    weights = {k: v.clone() for k, v in model.network.state_dict().items()}
    with pytest.raises(InputError, match=r"noise is \d+x weaker.*training further on it"):
        napari_sdap.train(noisy_sine(seed=1) / 255, "YX", model=model, steps=1)
    assert model.record.steps == TINY["steps"]  # (nothing trained)
    for name, value in model.network.state_dict().items():
        assert np.array_equal(value.numpy(), weights[name].numpy()), name


def test_images_on_the_model_s_own_scale_train_further():
    model = _saved_before_the_noise_field()
    napari_sdap.train(noisy_sine(seed=1), "YX", model=model, steps=1)
    assert model.record.steps == TINY["steps"] + 1 and model.normalization.noise is None
