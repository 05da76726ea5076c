"""Save as... is refused over the file a layer was opened from under another name too: a hard
link to it (or, on macOS and Windows, the name in other letter case), and another level of
the zarr store a level was opened from (the store is the input, not only that level)."""

from __future__ import annotations

import os

import pytest

from napari_sdap._napari.results import check_not_opened
from napari_sdap.errors import OutputError


def test_a_second_name_of_the_opened_file_is_refused(tmp_path):
    """Regression: a hard link to cells.tif (the same bytes) was written over."""
    raw = tmp_path / "cells.tif"
    raw.write_bytes(b"raw data")
    alias = tmp_path / "alias.tif"
    os.link(raw, alias)
    with pytest.raises(OutputError, match="'cells' was opened from"):
        check_not_opened(alias, [("cells", str(raw))])
    check_not_opened(tmp_path / "cells [SDAP].tif", [("cells", str(raw))])  # a new file: fine


def test_another_level_of_the_opened_store_is_refused(tmp_path):
    """Regression: saving as scan.ome.zarr/1 wrote into the store level 0 was opened from."""
    store = tmp_path / "scan.ome.zarr"
    (store / "0").mkdir(parents=True)
    (store / "0" / "zarr.json").write_text("{}")
    (store / "zarr.json").write_text("{}")
    opened = [("scan", str(store / "0"))]
    for target in (store / "1", store / "labels" / "x.ome.zarr"):
        with pytest.raises(OutputError, match="'scan' was opened from"):
            check_not_opened(target, opened)
    check_not_opened(tmp_path / "scan_denoised.ome.zarr", opened)  # beside it: fine


def test_a_frame_of_a_folder_opened_as_a_stack_is_refused(tmp_path):
    """Regression: a layer opened from a folder of frames (napari stacks them): Save as... over
    frames/f001.tif (the dialog's "replace?" answered) replaced a raw frame; a new file in the
    folder is still fine."""
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "f001.tif").write_bytes(b"raw frame")
    opened = [("frames", str(folder))]
    with pytest.raises(OutputError, match="'frames' was opened from"):
        check_not_opened(folder / "f001.tif", opened)
    check_not_opened(folder / "result.tif", opened)
