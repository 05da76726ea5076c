"""A model of two channels given an (H, W, 2) array (channels last, as imageio, skimage and
many readers give them) without axes: the array is guessed Z, Y, X, and the refusal said the
image "has 1" channel and to "use a model trained on the same channels", naming no fix for an
image that has the model's two. It names axes='YXC', with which the image denoises."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import noisy_sine

import napari_sdap
from napari_sdap.errors import InputError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "steps": 1, "stride": 1, "student": False, "device": "cpu"}
HINT = "if the image's last axis (of 2) holds channels, give axes='YXC'"


@pytest.fixture(scope="module")
def two_channels():
    return np.stack([noisy_sine(seed=1), 2 * noisy_sine(seed=2)])  # CYX


@pytest.mark.parametrize("channel_mode", ["independent", "joint"])
def test_the_refusal_names_the_trailing_channel_axes(two_channels, channel_mode):
    model = napari_sdap.train(two_channels, "CYX", channel_mode=channel_mode, **TINY)
    last = np.moveaxis(two_channels, 0, -1)
    with pytest.raises(InputError, match=r"2 (independent|joint) channel") as err:
        model.denoise(last)
    assert HINT in str(err.value)
    out = model.denoise(last, "YXC")  # the hint's axes work
    np.testing.assert_array_equal(np.moveaxis(out, -1, 0), model.denoise(two_channels, "CYX"))

