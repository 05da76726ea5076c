"""The result layer of a run in progress takes napari's contrast reset over its whole data."""

from __future__ import annotations

import numpy as np
from panel_helpers import denoiser, slow_stack


def test_contrast_limits_from_the_whole_data_mid_run(make_napari_viewer, qtbot, small_image,
                                                     trained_model, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(slow_stack(small_image, planes=3, delay=0.3), name="a")
    denoise = denoiser(viewer, trained_model)
    denoise.axes.setText("ZYX")
    denoise.start()
    qtbot.waitUntil(lambda: denoise.progress.value() >= 0, timeout=20_000)
    assert denoise.worker is not None
    result = viewer.layers["a [SDAP]"]
    # (before: AttributeError: 'LiveResult' object has no attribute 'size')
    result.reset_contrast_limits(mode="data")
    result.reset_contrast_limits_range(mode="data")
    low, high = result.contrast_limits
    assert np.isfinite(low) and np.isfinite(high) and low <= high
    wait_idle(denoise)
    assert denoise.outcome == "done"
