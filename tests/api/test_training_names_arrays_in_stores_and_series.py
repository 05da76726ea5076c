"""A model trained on arrays inside zarr stores (`plate.zarr/A1/raw`, `plate.zarr/B2/raw`: a
plate's wells, each with its `raw`) recorded each by its last part alone, so its file, `info`
and every output's provenance said "raw: YX [48, 64]" twice and never which store or well it
learnt from; a series chosen from a file of several ("cells.ome.tif") did not say which. The
name holds the store's name and the path inside it, and the series; API and CLI alike."""

from __future__ import annotations

import numpy as np
import tifffile
import zarr

import napari_sdap
from napari_sdap import open_image
from napari_sdap.cli import main

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 4, "patch_size": 24,
        "student": False, "device": "cpu", "steps": 2, "seed": 1}


def _plate(tmp_path):
    rng = np.random.default_rng(0)
    group = zarr.open_group(tmp_path / "plate.zarr", mode="w")
    for well in ("A1", "B2"):
        group.create_array(f"{well}/raw", data=rng.normal(100, 10, (48, 64)).astype(np.float32))
    return [str(tmp_path / "plate.zarr" / well / "raw") for well in ("A1", "B2")]


def test_arrays_in_a_store_are_named_with_the_store(tmp_path):
    model = napari_sdap.train(_plate(tmp_path), "YX", **TINY)
    assert model.record.trained_on == ["plate.zarr/A1/raw: YX [48, 64]",
                                       "plate.zarr/B2/raw: YX [48, 64]"]


def test_the_cli_names_them_too(tmp_path):
    _plate(tmp_path)
    path = tmp_path / "m.safetensors"
    code = main(["train", str(tmp_path / "plate.zarr" / "*" / "raw"), "--model", str(path),
                 "--preset", "tiny", "--width", "8", "--blocks", "1", "--steps", "2",
                 "--patch-size", "24", "--no-student", "--device", "cpu", "--quiet"])
    assert code == 0
    assert napari_sdap.load_model(path).record.trained_on == [
        "plate.zarr/A1/raw: YX [48, 64]", "plate.zarr/B2/raw: YX [48, 64]"]


def test_a_series_of_a_file_of_several_is_named(tmp_path):
    rng = np.random.default_rng(1)
    with tifffile.TiffWriter(tmp_path / "cells.ome.tif") as tif:
        tif.write(rng.normal(100, 10, (48, 64)).astype(np.float32), metadata={"axes": "YX"})
        tif.write(rng.normal(100, 10, (40, 64)).astype(np.float32), metadata={"axes": "YX"})
    with open_image(tmp_path / "cells.ome.tif", series=1) as src:
        model = napari_sdap.train(src, **TINY)
    assert model.record.trained_on == ["cells.ome.tif series 1: YX [40, 64]"]
    tifffile.imwrite(tmp_path / "one.tif", rng.normal(100, 10, (48, 64)).astype(np.float32))
    model = napari_sdap.train(str(tmp_path / "one.tif"), **TINY)  # a plain file: its name
    assert model.record.trained_on == ["one.tif: YX [48, 64]"]
