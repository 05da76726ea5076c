"""A source calibrated or moved while it is denoised: its result and residual both end on it."""

from __future__ import annotations

import numpy as np
from panel_helpers import denoiser, slow_stack


def test_result_and_residual_lie_on_a_source_calibrated_mid_run(make_napari_viewer, qtbot,
                                                               small_image, trained_model,
                                                               wait_idle):
    viewer = make_napari_viewer()
    source = viewer.add_image(slow_stack(small_image, planes=3, delay=0.3), name="a")
    denoise = denoiser(viewer, trained_model)
    denoise.axes.setText("ZYX")
    denoise.residual.setChecked(True)
    denoise.start()
    qtbot.waitUntil(lambda: denoise.progress.value() >= 0, timeout=20_000)
    assert denoise.worker is not None  # (still running)
    source.scale, source.translate = (2, 0.5, 0.5), (0, 10, 10)  # calibrated meanwhile
    source.units = ("um", "um", "um")
    wait_idle(denoise)
    assert denoise.outcome == "done"
    result, residual = viewer.layers["a [SDAP]"], viewer.layers["a [SDAP residual]"]
    # (before: the result stayed at scale 1 and translate 0, its residual on the source)
    for layer in (result, residual):
        np.testing.assert_allclose(layer.scale, [2, 0.5, 0.5])
        np.testing.assert_allclose(layer.translate, [0, 10, 10])
        assert tuple(str(u) for u in layer.units) == ("micrometer",) * 3
    point = (1, 12.5, 13.0)
    np.testing.assert_allclose(result.world_to_data(point), source.world_to_data(point))
