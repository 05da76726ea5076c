"""A result saved with Save as..., opened again in napari and denoised again: the new result's
provenance says what made its input (`input.napari_sdap`), as the API's and CLI's records do for
a file, and that record names the raw file the first result's layer was read from."""

from __future__ import annotations

import numpy as np
import tifffile
from panel_helpers import denoiser

from napari_sdap.io.output_record import output_records


def _image(seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:48, :48]
    clean = 100 + 60 * np.sin(xx / 5.0) * np.cos(yy / 6.0)
    return np.clip(clean + rng.normal(0, 15, clean.shape), 0, 255).astype(np.uint8)


def test_a_reopened_result_denoised_again_records_what_made_it(make_napari_viewer, wait_idle,
                                                                 qtbot, tmp_path):
    import napari_sdap

    model = napari_sdap.train(_image().astype(np.float32), "YX", preset="tiny", width=8,
                              blocks=1, batch_size=4, patch_size=24, steps=2, student=False,
                              stride=1, seed=0)
    raw = tmp_path / "raw.tif"
    tifffile.imwrite(raw, _image(1))
    viewer = make_napari_viewer()
    viewer.open(str(raw))
    denoise = denoiser(viewer, model)
    with qtbot.capture_exceptions():
        denoise.start()
        wait_idle(denoise)
    first = tmp_path / "first.tif"
    assert denoise.save_result(str(first)) == first
    made = next(iter(output_records(first)))
    viewer.layers.selection.active = viewer.open(str(first))[0]
    assert denoise.picker.layer().name == "first"
    with qtbot.capture_exceptions():
        denoise.start()
        wait_idle(denoise)
    assert denoise.outcome == "done"
    chain = denoise.meta["input"].get("napari_sdap")
    assert chain is not None, "the reopened result's own record was not summarised"
    assert chain["created"] == made["created"] and chain["mode"] == made["mode"]
    assert chain["input"]["path"] is None and chain["input"]["source"] == str(raw)
    second = tmp_path / "second.ome.zarr"
    assert denoise.save_result(str(second)) == second
    saved = next(iter(output_records(second)))
    assert saved["input"]["napari_sdap"] == chain
    assert saved["run"]["source"] == str(first)
