"""A colour picture (C after Y and X: a JPEG, an RGB layer in napari) refused by a grey model
was told "or, where its C axis holds the planes of a stack (a TIFF of 2-4 pages without metadata
is stored as channels), give the axes: axes='YXZ'": a hint about TIFF pages for the samples of a
photo. Planar channels (CYX) keep the hint."""

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


def _message(model, shape, axes):
    image = np.random.default_rng(1).normal(100, 10, shape).astype(np.float32)
    with pytest.raises(InputError, match="use a model trained on") as info:
        model.denoise(image, axes=axes)
    return str(info.value)


@pytest.mark.parametrize("shape,axes", [((32, 32, 3), "YXC"), ((2, 32, 32, 3), "TYXC")])
def test_a_colour_picture_is_not_told_it_may_be_pages(gray_model, shape, axes):
    message = _message(gray_model, shape, axes)
    assert "joint channel(s)" in message and "gives 3" in message
    assert "planes of a stack" not in message and "YXZ" not in message


def test_planar_channels_keep_the_planes_hint(gray_model):
    assert "axes='ZYX' (--axes ZYX)" in _message(gray_model, (2, 32, 32), "CYX")
