"""A 4-channel YXC image whose 4th channel is measured, not a mask, is warned about.

With channel_mode="auto" the 4th channel of a YXC image is alpha and passes through unchanged
(docs/reliability.md, Decisions). Regression: a 16-bit or float YXC stack of four fluorescence
channels had its 4th channel left noisy without a word. The copy stays; a warning now says the
channel looks measured and names channel_mode='independent'. A real mask (flat, edges, a
gradient) gets no warning."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from napari_sdap.api.inputs import prepare


def _image(alpha: np.ndarray, dtype: str) -> np.ndarray:
    rng = np.random.default_rng(0)
    colours = rng.normal(1000, 100, (48, 48, 3))
    return np.concatenate([colours, alpha[..., None]], axis=-1).astype(dtype)


@pytest.mark.parametrize("dtype", ["uint16", "float32"])
def test_noisy_fourth_channel_is_named(caplog, dtype):
    alpha = np.random.default_rng(1).normal(500, 60, (48, 48))
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        prepared = prepare(_image(alpha, dtype), "YXC", "auto")
    assert prepared.rgba == "YXC"  # (still alpha: the decision stands)
    text = caplog.text
    assert "taken as alpha" in text and "channel_mode='independent'" in text, text


@pytest.mark.parametrize("alpha", [
    np.full((48, 48), 255.0),
    np.where(np.arange(48)[None, :] < 20, 0.0, 255.0).repeat(48, 0),
    np.tile(np.linspace(0, 255, 48).round(), (48, 1))])
def test_masks_are_not_warned_about(caplog, alpha):
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        prepare(_image(alpha, "uint8"), "YXC", "auto")
    assert "taken as alpha" not in caplog.text


def test_independent_channels_get_no_warning(caplog):
    alpha = np.random.default_rng(1).normal(500, 60, (48, 48))
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        prepared = prepare(_image(alpha, "uint16"), "YXC", "independent")
    assert not prepared.rgba and "taken as alpha" not in caplog.text
