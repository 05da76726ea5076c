"""A dask array as the output array is refused before any work (each tile written into it was
one more step of its graph: nothing stored, a graph as large as the image)."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import OutputError


def test_a_dask_output_array_is_refused():
    rng = np.random.default_rng(0)
    image = np.clip(100 + rng.normal(0, 8, (48, 48)), 0, 255).astype(np.float32)
    model = napari_sdap.train(image, "YX", preset="tiny", steps=1, stride=1, student=False,
                              device="cpu")
    out = da.zeros((48, 48), dtype="float32", chunks=16)
    with pytest.raises(OutputError, match=r"dask array.*lazy=True"):
        model.denoise(image, output=out)
    assert model.denoise(image, lazy=True).compute().shape == (48, 48)
