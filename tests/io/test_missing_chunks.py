"""A zarr input with chunks not stored (an interrupted copy) is read with the fill value, and
says so once: nothing else would tell the user that part of the image is missing."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import zarr

from napari_sdap.io.readers import open_image


@pytest.mark.parametrize("fmt", [2, 3])
def test_missing_chunks_are_named_once(tmp_path, caplog, fmt):
    path = tmp_path / f"v{fmt}.zarr"
    arr = zarr.open_array(str(path), mode="w", shape=(40, 40), chunks=(10, 10), dtype="uint16",
                          zarr_format=fmt)
    arr[:] = np.random.default_rng(0).integers(1, 1000, (40, 40))
    with caplog.at_level("WARNING", logger="napari_sdap"):
        with open_image(path) as src:
            assert src.shape == (40, 40)
    assert "chunks" not in caplog.text  # complete: nothing to say
    chunk = path / ("1.2" if fmt == 2 else "c/1/2")
    (shutil.rmtree if chunk.is_dir() else lambda p: p.unlink())(chunk)
    with caplog.at_level("WARNING", logger="napari_sdap"):
        for _ in range(2):  # opened twice (a batch plans, then denoises): one warning
            with open_image(path) as src:
                pixels = np.asarray(src.array[:])
    assert (pixels[10:20, 20:30] == 0).all()
    assert caplog.text.count("1 of 16 chunks of the zarr array are not stored") == 1
    assert "fill value 0" in caplog.text and "interrupted" in caplog.text
