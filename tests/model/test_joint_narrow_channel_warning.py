"""Joint channels of very different brightness are warned about at training.

Joint channels share one intensity range (as colour does). Regression: two fluorescence
channels 300x apart trained with channel_mode='joint' (or a 16-bit YXC stack of three, which
is taken as colour) came out with the dim channel's squared error 119x the noisy input's,
without a word; independent training gives 0.06x. Colour pictures (channels within 7.5x on
100 PolyU photos) get no warning."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from napari_sdap.axes import plane_view
from napari_sdap.config import NormalizationConfig
from napari_sdap.model.normalize import compute_normalization


def _channels(*scales: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    x = np.arange(48) / 5.0
    return np.stack([s * (1.5 + np.sin(x)[None, :] + 0.3 * rng.normal(size=(48, 48)))
                     for s in scales]).astype(np.float32)


def _normalise(image: np.ndarray, mode: str) -> None:
    view = plane_view(image.shape, "CYX", mode)
    compute_normalization([(image, view)], NormalizationConfig())


def test_a_narrow_joint_channel_is_named(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        _normalise(_channels(300.0, 1.0, 250.0), "joint")
    assert "channel 1 (" in caplog.text and "channel_mode='independent'" in caplog.text
    assert "channel 0 (" not in caplog.text and "channel 2 (" not in caplog.text


@pytest.mark.parametrize(("scales", "mode"), [((1.0, 5.0, 2.0), "joint"),
                                              ((300.0, 1.0), "independent")])
def test_similar_or_independent_channels_get_no_warning(caplog, scales, mode) -> None:
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        _normalise(_channels(*scales), mode)
    assert "far narrower range" not in caplog.text
