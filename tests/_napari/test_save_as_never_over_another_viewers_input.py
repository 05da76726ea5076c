"""Save as... in one viewer never replaces a file a layer of another viewer was opened from."""

from __future__ import annotations

import hashlib

from panel_helpers import denoiser


def test_the_raw_file_opened_in_another_viewer_is_never_replaced(make_napari_viewer,
                                                                 small_image, trained_model,
                                                                 wait_idle, tmp_path,
                                                                 monkeypatch, errors):
    import tifffile
    from qtpy.QtWidgets import QFileDialog

    raw = tmp_path / "cells.tif"
    tifffile.imwrite(raw, small_image)
    before = hashlib.sha256(raw.read_bytes()).hexdigest()
    first = make_napari_viewer()
    first.open(str(raw))  # the raw data, in one window
    second = make_napari_viewer()  # the analysis, in another
    second.add_image(small_image, name="cells copy")
    denoise = denoiser(second, trained_model)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    # the save dialog answered with the raw file (its own "replace?" confirmed)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args: (str(raw), "TIFF (*.tif)")))
    # (before: the raw file of the other window was replaced by the result)
    assert denoise.save_result() is None
    assert hashlib.sha256(raw.read_bytes()).hexdigest() == before
    text = denoise.status.text()
    assert "'cells' was opened from" in text and "never writes over its inputs" in text, text
    assert errors() and errors()[-1] == text
