"""`train(image, model=m, channel_mode=...)`: a model trained further keeps how it takes its
channels; another channel mode is refused before any step.

The images were prepared with the model's own channel mode, but the mode given was written into
its settings: a model of two independent channels trained further with `channel_mode="joint"`
then refused its own images ("the model takes 1 joint channel(s) but the image gives 2"), and
every further training too, whatever mode was given.
"""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import ConfigError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "student": False, "device": "cpu"}


def _two_channels() -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:48, :48]
    clean = np.stack([100 + 50 * np.sin(xx / 5.0), 300 + 80 * np.cos(yy / 7.0)])
    return (clean + rng.normal(0, 10, clean.shape)).astype(np.float32)


@pytest.fixture(scope="module")
def model():
    return napari_sdap.train(_two_channels(), "CYX", steps=2, stride=1, **TINY)


@pytest.mark.parametrize("mode", ["joint", "independent"])
def test_another_channel_mode_is_refused_and_the_model_still_denoises(model, mode):
    img = _two_channels()
    before = model.denoise(img, "CYX", device="cpu")
    with pytest.raises(ConfigError, match=rf"channel_mode='{mode}' \(the model's 'auto'\) "
                                          r"cannot change when a model trains further"):
        napari_sdap.train(img, "CYX", model=model, steps=1, channel_mode=mode, **TINY)
    assert model.config.channel_mode == "auto" and model.record.steps == 2
    np.testing.assert_array_equal(model.denoise(img, "CYX", device="cpu"), before)


def test_its_own_channel_mode_trains_on(model):
    napari_sdap.train(_two_channels(), "CYX", model=model, steps=1, channel_mode="auto", **TINY)
    assert model.record.steps == 3
    assert model.denoise(_two_channels(), "CYX", device="cpu").shape == (2, 48, 48)
