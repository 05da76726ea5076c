"""A TIFF output is written through a hidden zarr scratch, one chunk per plane. Its chunks
were nested (`c/<plane>/0/0`: two folders per plane), and removing them after the TIFF was
written cost ~6 ms a plane on a VM's disk (a CLI stack of 5000 small frames: 30 of 54 s) and
more on a network share. The scratch keeps its chunks in one folder; a zarr output keeps the
standard nested layout."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import tifffile
import zarr

from napari_sdap.io.outputs import open_output


def _folders(root: Path) -> list[str]:
    return [d for _, dirs, _ in os.walk(root) for d in dirs]


def test_a_tiff_scratch_makes_no_folder_per_plane(tmp_path: Path) -> None:
    data = np.random.default_rng(0).normal(100, 10, (40, 16, 16)).astype(np.float32)
    path = tmp_path / "stack.tif"
    with open_output(path, data.shape, data.dtype, axes="TYX") as sink:
        for t in range(len(data)):
            sink.array[t] = data[t]
        scratch = [p for p in tmp_path.iterdir() if p.name.endswith(".zarr")]
        assert len(scratch) == 1
        assert _folders(scratch[0]) == []  # was 80 (c/<t>/0 for each plane)
        assert len(list(scratch[0].iterdir())) == len(data) + 1  # the chunks and zarr.json
    assert np.array_equal(tifffile.imread(path), data)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stack.tif"]


def test_a_zarr_output_keeps_the_nested_chunk_layout(tmp_path: Path) -> None:
    data = np.arange(3 * 8 * 8, dtype=np.uint16).reshape(3, 8, 8)
    path = tmp_path / "stack.zarr"
    with open_output(path, data.shape, data.dtype, axes="TYX") as sink:
        sink.array[:] = data
    arr = zarr.open_array(str(path), mode="r")
    assert arr.metadata.chunk_key_encoding.separator == "/"
    assert (path / "c" / "2" / "0" / "0").is_file()
    assert np.array_equal(arr[:], data)
