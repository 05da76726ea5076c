"""A sharded zarr v3 array (OME-Zarr 0.5 stores, remote or zipped stores that TensorStore does
not open, ``NAPARI_SDAP_ZARR_IO=zarr``) read through the chunk cache: zarr's `blocks` index
shards, not the inner chunks `chunks` names, so the cache read plane 2 for plane 1 and failed
on plane 2 ('index out of bounds', reported as a damaged file)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.chunk_cache import ChunkCache, chunk_cached

zarr = pytest.importorskip("zarr")


def _sharded(shape: tuple[int, ...], chunks: tuple[int, ...], shards: tuple[int, ...]):
    if not hasattr(zarr, "create_array"):
        pytest.skip("zarr v3 is needed for sharding")
    data = np.random.default_rng(0).integers(0, 4000, shape).astype(np.uint16)
    z = zarr.create_array(zarr.storage.MemoryStore(), shape=shape, chunks=chunks,
                          shards=shards, dtype=data.dtype)
    z[:] = data
    return z, data


def test_each_plane_of_a_sharded_stack_reads_its_own_pixels() -> None:
    z, data = _sharded((5, 64, 64), (1, 64, 64), (2, 64, 64))
    cached = chunk_cached(z, 8)
    assert isinstance(cached, ChunkCache)
    for n in range(5):
        np.testing.assert_array_equal(cached[n, 3:40, 5:60], data[n, 3:40, 5:60])


def test_windows_across_shards_in_rows_and_columns() -> None:
    z, data = _sharded((2, 96, 80), (1, 16, 16), (1, 32, 32))
    cached = chunk_cached(z, 4)
    assert isinstance(cached, ChunkCache)
    for y, x in [(0, 0), (20, 25), (60, 70), (90, 5)]:
        np.testing.assert_array_equal(cached[1, y:y + 30, x:x + 30], data[1, y:y + 30, x:x + 30])
