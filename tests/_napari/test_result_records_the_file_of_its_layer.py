"""A result of a layer napari read from a file records that file (`run.source`): its record
named only the layer (`input.path` is null for a layer's array), so a result saved with
Save as... could not say which raw file it was denoised from."""

from __future__ import annotations

import numpy as np
import tifffile
from panel_helpers import denoiser


def test_the_layers_file_is_recorded(make_napari_viewer, small_image, trained_model,
                                     wait_idle, tmp_path):
    raw = tmp_path / "cells.tif"
    tifffile.imwrite(raw, small_image)
    viewer = make_napari_viewer()
    viewer.open(str(raw))
    viewer.add_image(small_image, name="array")  # (made in memory: no file to name)
    for name in ("cells", "array"):
        viewer.layers.selection.active = viewer.layers[name]
        denoise = denoiser(viewer, trained_model)
        denoise.picker.setCurrentText(name)
        denoise.start()
        wait_idle(denoise)
        assert denoise.outcome == "done", denoise.status.text()
    run = viewer.layers["cells [SDAP]"].metadata["sdap"]["run"]
    assert run == {"layer": "cells", "source": str(raw)}
    assert viewer.layers["array [SDAP]"].metadata["sdap"]["run"] == {"layer": "array"}
    np.testing.assert_array_equal(np.asarray(viewer.layers["cells [SDAP]"].data),
                                  np.asarray(viewer.layers["array [SDAP]"].data))
