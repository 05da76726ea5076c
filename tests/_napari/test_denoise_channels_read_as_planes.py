"""A layer of two channels added without channel_axis (2 x Y x X) is guessed ZYX: denoising it
with a model of two independent channels is refused naming the axes that fit (CYX), as the
other channel refusals do; typed in, it denoises."""

from __future__ import annotations

import numpy as np
import pytest
from panel_helpers import denoiser


@pytest.fixture
def two_channels(small_image):
    return np.stack([small_image, small_image * 3 + 1]).astype(np.float32)


def test_a_two_channel_layer_read_as_planes_is_told_its_axes(make_napari_viewer, qtbot,
                                                              two_channels):
    """Regression: 'the model was trained on 2 independent channel(s) but the image (ZYX,
    shape (2, 64, 64)) has 1; use a model trained on the same channels', where the layer
    holds the very channels the model was trained on."""
    import napari_sdap

    model = napari_sdap.train(two_channels, "CYX", preset="tiny", steps=2, stride=2, width=8,
                              blocks=1, batch_size=2, patch_size=32, device="cpu")
    viewer = make_napari_viewer()
    viewer.add_image(two_channels, name="two")
    panel = denoiser(viewer, model)
    assert panel.axes.text() == "ZYX"  # (napari cannot tell planes from channels)
    panel.start()
    assert panel.worker is None and panel.outcome == "error"
    text = panel.status.text()
    assert "2 independent channel(s)" in text and "CYX" in text, text
    assert "axes=" not in text, text  # (the panel's words: its axes field)
    panel.axes.setText("CYX")
    panel.start()
    qtbot.waitUntil(lambda: panel.worker is None, timeout=60_000)
    assert panel.outcome == "done", panel.status.text()
    assert panel.out_layer.data.shape == two_channels.shape


def test_the_hint_names_no_axis_when_none_holds_the_channels(small_image, two_channels):
    import napari_sdap
    from napari_sdap.errors import InputError

    model = napari_sdap.train(two_channels, "CYX", preset="tiny", steps=2, stride=2, width=8,
                              blocks=1, batch_size=2, patch_size=32, device="cpu")
    with pytest.raises(InputError) as err:
        model.denoise(np.stack([small_image] * 3), "ZYX")
    assert "axes=" not in str(err.value) and "has 1" in str(err.value)
    with pytest.raises(InputError, match=r"axes='CYX'"):
        model.denoise(two_channels, "ZYX")
