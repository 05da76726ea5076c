"""The axes hint of a channel mismatch names axes the image can take.

A 2-channel ImageJ hyperstack (TZCYX) on a 1-channel model was told "give the axes:
axes='ZYX' (--axes ZYX)", three letters for five dimensions (an `AxesError` if followed): the
hint, for a C axis that holds the planes of a stack, now calls that axis Z only where Z is free.
"""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import InputError


@pytest.fixture(scope="module")
def gray_model():
    image = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    return napari_sdap.train(image, preset="tiny", steps=2, width=8, blocks=1, stride=2,
                             device="cpu", student=False)


def _refusal(model, shape, axes):
    image = np.random.default_rng(1).normal(100, 10, shape).astype(np.float32)
    with pytest.raises(InputError, match="independent channel") as info:
        model.denoise(image, axes=axes)
    return str(info.value)


def test_hyperstack_is_not_told_three_letters(gray_model):
    message = _refusal(gray_model, (2, 3, 2, 32, 32), "TZCYX")
    assert "axes='ZYX'" not in message and "--axes ZYX" not in message
    assert "use a model trained on the same channels" in message


@pytest.mark.parametrize("shape,axes,hint", [
    ((2, 32, 32), "CYX", "axes='ZYX' (--axes ZYX)"),
    ((2, 2, 32, 32), "TCYX", "axes='TZYX' (--axes TZYX)"),
])
def test_planes_stored_as_channels_are_told_their_axes(gray_model, shape, axes, hint):
    message = _refusal(gray_model, shape, axes)
    assert hint in message
    image = np.random.default_rng(1).normal(100, 10, shape).astype(np.float32)
    hinted = hint.split("'")[1]
    assert gray_model.denoise(image, axes=hinted).shape == shape  # the hint works
