"""Training a model further (`train(image, model=m)`) reads the image's C axis with the model's
channels, as denoising does (`inputs.prepare_for`). Before, training read `channel_mode="auto"`
without them: a model made with `create_model("tiny", channels=2)` was refused on its own
2-channel CYX image ("takes 2 joint channel(s) but the image ... gives 1; create the model with
channels=1"), and an RGB model was refused on its picture stored planar (CYX), which its
`denoise` takes as one colour image."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from synthetic import noisy_sine

from napari_sdap.api import create_model, train

QUICK = {"steps": 1, "device": "cpu", "student": False, "seed": 0}


@pytest.fixture(scope="module", name="rgb")
def rgb_fixture():
    img = noisy_sine(48)
    picture = np.stack([img, 0.9 * img, 1.1 * img], axis=-1)
    return picture, train(picture, "YXC", preset="tiny", **QUICK)


def test_a_two_channel_model_from_create_model_trains_on_its_cyx_image():
    img = noisy_sine(48)
    cyx = np.stack([img, 2 * img + 5])
    model = train(cyx, "CYX", model=create_model("tiny", channels=2), **QUICK)
    assert model.config.network.in_channels == 2
    assert len(model.normalization.low) == 1  # one joint group, as denoise reads it
    assert model.denoise(cyx, "CYX").shape == cyx.shape


def test_an_rgb_model_trains_further_on_its_picture_stored_planar(rgb):
    picture, model = rgb
    planar = np.moveaxis(picture, -1, 0).copy()
    assert model.denoise(planar, "CYX").shape == planar.shape  # denoising takes it ...
    further = train(planar, "CYX", model=copy.deepcopy(model), **QUICK)  # ... and so does this
    assert further.record.steps == model.record.steps + 1
    assert further.config.network.in_channels == 3


def test_a_grey_model_still_refuses_channels(rgb):
    from napari_sdap.errors import InputError

    picture, _ = rgb
    grey = train(picture[..., 0], preset="tiny", **QUICK)
    with pytest.raises(InputError, match="takes 1 joint channel"):
        train(picture, "YXC", model=grey, **QUICK)
