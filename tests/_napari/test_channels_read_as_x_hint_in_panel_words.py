"""A layer of colour samples not shown as RGB ((H, W, 3), read as Z Y X: planes 3 pixels wide)
is told, in the panels, to type YXC in the axes field (not `axes='YXC'`)."""

from __future__ import annotations

import numpy as np
from panel_helpers import denoiser

from napari_sdap._napari.widget_train import TrainWidget


def test_the_channels_hint_names_the_axes_field(make_napari_viewer, small_image, trained_model,
                                                tiny, wait_idle, errors):
    viewer = make_napari_viewer()
    viewer.add_image(np.stack([small_image] * 3, axis=-1), name="samples", rgb=False)
    denoise = denoiser(viewer, trained_model)
    assert denoise.axes.text() == "ZYX"
    denoise.start()
    wait_idle(denoise)
    text = denoise.status.text()
    assert "64x3 is smaller than" in text and "type YXC in the axes field" in text, text
    # (before: "give axes='YXC' (a 3-D array is read as ZYX unless ...)", Python words)
    assert "axes='" not in text and "3-D array" not in text and errors()[-1] == text
    train = tiny(TrainWidget(viewer), steps=2)
    train.confirm = lambda question: True
    train.start()
    wait_idle(train)
    text = train.status.text()
    assert train.status.is_error and "axes='" not in text, text
