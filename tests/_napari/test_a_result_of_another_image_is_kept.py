"""A Denoise run never replaces the result of another image that now shares its source's name
(the source removed or renamed since, and a new image opened under its name)."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest
from panel_helpers import denoiser


@pytest.mark.parametrize("how", ["removed", "renamed"])
def test_a_kept_result_of_another_image_of_that_name_stays(make_napari_viewer, small_image,
                                                          trained_model, wait_idle, how):
    viewer = make_napari_viewer()
    first_source = viewer.add_image(small_image, name="Pos0")
    denoise = denoiser(viewer, trained_model)
    denoise.residual.setChecked(True)
    denoise.start()
    wait_idle(denoise)
    kept = viewer.layers["Pos0 [SDAP]"]
    store = kept.metadata["sdap"]["store"]
    before = np.asarray(kept.data).copy()
    if how == "removed":  # the raw layer closed, its result kept
        viewer.layers.remove(first_source)
        del first_source
        gc.collect()
    else:
        first_source.name = "Pos0 day 1"
    # another image of the same name (Micro-Manager names every day's position Pos0)
    second = viewer.add_image(np.flipud(small_image).copy(), name="Pos0")
    denoise.start()
    wait_idle(denoise)
    # (before: the kept result's layer got the new image's result and its store was deleted)
    assert viewer.layers["Pos0 [SDAP]"] is kept
    np.testing.assert_array_equal(np.asarray(kept.data), before)
    assert Path(store).exists()
    assert "Pos0 [SDAP 2]" in viewer.layers and "Pos0 [SDAP residual 2]" in viewer.layers
    assert denoise.status.text().startswith("done: Pos0 [SDAP 2]")
    denoise.start()  # a rerun of the new image replaces its own result
    wait_idle(denoise)
    names = [ly.name for ly in viewer.layers]
    assert names.count("Pos0 [SDAP 2]") == 1 and "Pos0 [SDAP 3]" not in names
    assert second in viewer.layers
