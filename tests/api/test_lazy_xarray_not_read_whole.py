"""A lazily opened xarray DataArray that is not over dask (`xarray.open_zarr(chunks=None)`,
`open_dataset(engine="zarr")`): the chunk cache and the output's memory check took its
`.data`, which reads the whole array into memory (and keeps it there): a stack larger than
memory could not be denoised window by window. Its windows are read as before."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import gray_model_fixture  # noqa: F401 (fixture)
from synthetic import smooth_image

from napari_sdap.api.output_array import memory_of
from napari_sdap.chunk_cache import chunk_cached

xr = pytest.importorskip("xarray")
pytest.importorskip("zarr")


def _lazy(tmp_path, planes: int = 3):
    clean = np.stack([smooth_image((64, 64))] * planes)
    noisy = clean + np.random.default_rng(0).normal(0, 0.1, clean.shape).astype(np.float32)
    store = tmp_path / "stack.zarr"
    xr.Dataset({"img": (("z", "y", "x"), noisy.astype(np.float32))}).to_zarr(
        store, encoding={"img": {"chunks": (1, 64, 64)}})
    lazy = xr.open_zarr(store, chunks=None)["img"]
    assert not lazy._in_memory
    return lazy, noisy


def test_helpers_leave_a_lazy_data_array_on_disk(tmp_path) -> None:
    lazy, _ = _lazy(tmp_path)
    assert chunk_cached(lazy, 8) is lazy
    assert memory_of(lazy) is None
    assert not lazy._in_memory  # (`.data` had loaded it: a MemoryCachedArray keeps it)


def test_denoising_a_lazy_data_array_reads_windows(tmp_path, gray_model) -> None:
    lazy, noisy = _lazy(tmp_path)
    out = np.zeros(lazy.shape, np.float32)
    gray_model.denoise(lazy, axes="ZYX", output=out)
    assert not lazy._in_memory
    np.testing.assert_array_equal(out, np.asarray(gray_model.denoise(noisy, axes="ZYX")))
