"""The Denoise panel's output folder inside the zarr store its layer was read from: refused
before any work, in the panel's words, and the store is left as it was."""

from __future__ import annotations

import os

import numpy as np
from panel_helpers import denoiser


def _files(folder):
    return sorted(os.path.relpath(os.path.join(root, f), folder)
                  for root, _, names in os.walk(folder) for f in names)


def test_an_output_folder_inside_the_input_store_is_refused_in_panel_words(
        make_napari_viewer, small_image, trained_model, wait_idle, tmp_path, errors):
    import zarr

    store = tmp_path / "raw.zarr"
    zarr.save_array(str(store), np.stack([small_image] * 2))
    before = _files(store)
    viewer = make_napari_viewer()
    viewer.open(str(store))
    denoise = denoiser(viewer, trained_model)
    denoise.axes.setText("ZYX")
    denoise.output.folder.setText(str(store))
    denoise.start()
    wait_idle(denoise)
    text = denoise.status.text()
    assert denoise.outcome == "error" and "never overwrite the input" in text
    # (before: "choose another output path or array", which the panel has no field for)
    assert "choose another output folder in the Denoise panel" in text
    assert "output path or array" not in text and errors()[-1] == text
    assert _files(store) == before
