"""`export_bmz` (CLI `export`) to a package path inside the sample image's zarr store
(`--sample cells.zarr`, `cells.zarr/model.zip`) wrote the package into the user's input store;
it is refused before any work, as every writer refuses to write into its input."""

from __future__ import annotations

import os

import numpy as np
import pytest
import zarr

from napari_sdap.api.model import create_model
from napari_sdap.errors import OutputError


@pytest.mark.parametrize("given", ["path", "array"])
def test_a_package_inside_the_sample_store_is_refused(tmp_path, given):
    pytest.importorskip("bioimageio.spec", reason="bioimage.io export needs the [bmz] extra")
    store = tmp_path / "cells.zarr"
    img = np.random.default_rng(0).normal(100, 10, (64, 64)).astype(np.float32)
    z = zarr.open(str(store), mode="w", shape=img.shape, chunks=(32, 32), dtype=img.dtype)
    z[:] = img
    before = sorted(os.listdir(store))
    model = create_model("tiny", width=8, blocks=1)  # (the paths are checked first)
    sample = str(store) if given == "path" else zarr.open(str(store), mode="r")
    with pytest.raises(OutputError, match="input image"):
        model.export_bmz(store / "model.zip", sample=sample)
    assert sorted(os.listdir(store)) == before
