"""A grey image with a trailing channel axis of 1 or 2 (H, W, 1), as some readers give it, is
guessed Z, Y, X: planes 1 or 2 pixels wide. The refusal said only "pad or enlarge the image"
(denoise) or "use a larger image" (train); it names axes='YXC' too."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import untrained_tiny

from napari_sdap import train
from napari_sdap.errors import InputError

HINT = r"last axis \(of {}\) holds channels, give axes='YXC'"


@pytest.mark.parametrize("channels", [1, 2])
def test_denoise_and_train_name_the_channel_axes(channels):
    image = np.random.default_rng(0).uniform(100, 1100, (48, 48, channels)).astype(np.float32)
    with pytest.raises(InputError, match=HINT.format(channels)):
        untrained_tiny().denoise(image, device="cpu")
    with pytest.raises(InputError, match=HINT.format(channels)):
        train(image, steps=1, preset="tiny", device="cpu")
    out = untrained_tiny().denoise(image, "YXC", device="cpu") if channels == 1 else None
    assert out is None or out.shape == image.shape  # the hint's axes work


def test_a_narrow_two_dimensional_image_gets_no_channel_hint():
    image = np.random.default_rng(0).uniform(100, 1100, (48, 2)).astype(np.float32)
    with pytest.raises(InputError, match=r"pad or enlarge the image") as err:
        untrained_tiny().denoise(image, device="cpu")
    assert "YXC" not in str(err.value)


def test_analyze_noise_notes_the_channel_axes():
    from napari_sdap.api import analyze_noise

    image = np.random.default_rng(0).normal(0.5, 0.1, (64, 64, 1)).astype(np.float32)
    assert any("give axes='YXC'" in n for n in analyze_noise(image).notes)
    assert analyze_noise(image, "YXC").blocks > 0  # with the channel named, it is measured
