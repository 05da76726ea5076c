"""Save as... never replaces the file a layer was opened from (the raw data), even where the
save dialog's own "replace?" was answered: napari-sdap never writes over its inputs."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from panel_helpers import denoiser


@pytest.fixture
def chosen(monkeypatch):
    """Make the save dialog answer with a path (the dialog asked before replacing it)."""
    from qtpy.QtWidgets import QFileDialog

    answer: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args: (answer[-1], "TIFF (*.tif)")))
    return answer


def test_the_raw_file_of_the_source_is_never_replaced(make_napari_viewer, small_image,
                                                      trained_model, wait_idle, tmp_path,
                                                      chosen, errors):
    """Regression: choosing cells.tif (the file the layer was opened from) in the Save as...
    dialog replaced the raw data with the denoised result."""
    import tifffile

    raw = tmp_path / "cells.tif"
    tifffile.imwrite(raw, small_image)
    before = hashlib.sha256(raw.read_bytes()).hexdigest()
    viewer = make_napari_viewer()
    viewer.open(str(raw))
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    chosen.append(str(raw))
    assert denoise.save_result() is None
    assert hashlib.sha256(raw.read_bytes()).hexdigest() == before
    text = denoise.status.text()
    assert "'cells' was opened from" in text and "never writes over its inputs" in text, text
    assert errors() and errors()[-1] == text
    chosen.append(str(tmp_path / "cells [SDAP].tif"))  # another name is saved
    saved = denoise.save_result()
    assert saved is not None and saved.exists()
    np.testing.assert_array_equal(tifffile.imread(saved),
                                  np.asarray(viewer.layers["cells [SDAP]"].data))


def test_a_store_an_opened_layer_lies_in_is_refused_too(tmp_path):
    from napari_sdap._napari.results import check_not_opened
    from napari_sdap.errors import OutputError

    store = tmp_path / "scan.ome.zarr"
    (store / "0").mkdir(parents=True)
    with pytest.raises(OutputError, match="'scan' was opened from"):
        check_not_opened(store, [("scan", str(store / "0"))])
    check_not_opened(tmp_path / "other.ome.zarr", [("scan", str(store / "0"))])  # apart: fine


def test_a_file_beside_the_images_of_an_opened_folder_is_fine(tmp_path):
    from napari_sdap._napari.results import check_not_opened
    from napari_sdap.errors import OutputError

    folder = tmp_path / "frames"
    folder.mkdir()
    check_not_opened(folder / "result.tif", [("frames", str(folder))])
    with pytest.raises(OutputError):
        check_not_opened(tmp_path, [("frames", str(folder))])  # the folder holding it
