"""Streaming a dask array whose chunks are much larger than a window computes each chunk once.

Regression: every window read computed the chunks it touched, whole, and kept none, so a dask
array with a chunk per plane or per stack (a reader's lazy planes, `map_blocks` over a stack, a
`from_delayed`) had each chunk computed once per window: 69 times for a
16 x 512² chunk at the CPU tile, a costly block function as many times its cost.
"""

from __future__ import annotations

import threading

import dask.array as da
import numpy as np
import pytest
import torch
from infer_nets import tiny_net

from napari_sdap.axes import plane_view
from napari_sdap.chunk_cache import ChunkCache, chunk_cached
from napari_sdap.infer.stream import iter_tiles
from napari_sdap.model.normalize import Normalization


def _counted(img: np.ndarray, chunks: tuple[int, ...]) -> tuple[da.Array, list[int]]:
    calls = [0]
    lock = threading.Lock()

    def block(b: np.ndarray) -> np.ndarray:
        with lock:
            calls[0] += 1
        return b * 1.0

    return da.from_array(img, chunks=chunks).map_blocks(block, dtype=img.dtype), calls


@pytest.mark.parametrize("chunks", [(3, 96, 80), (1, 96, 80), (2, 50, 80)])
def test_each_large_chunk_is_computed_once_and_pixels_are_unchanged(chunks):
    net = tiny_net(1)
    img = np.random.default_rng(0).random((3, 96, 80)).astype(np.float32)
    view = plane_view(img.shape, "ZYX")
    norm = Normalization(low=[0.0], high=[1.0])
    ref = np.zeros_like(img)
    list(iter_tiles(net, norm, img, view, ref, mode="bsn", pd_stride=1,
                    device=torch.device("cpu"), tile=16))
    lazy, calls = _counted(img, chunks)
    calls[0] = 0  # (dask calls the function once on an empty array to learn its output)
    out = np.zeros_like(img)
    steps = list(iter_tiles(net, norm, lazy, view, out, mode="bsn", pd_stride=1,
                            device=torch.device("cpu"), tile=16))
    n_chunks = int(np.prod(lazy.numblocks))
    assert len(steps) > 10 * n_chunks  # many windows per chunk
    assert calls[0] == n_chunks, calls[0]  # (before: one per window touching it)
    np.testing.assert_array_equal(out, ref)


def test_small_chunks_are_read_as_before():
    lazy, _ = _counted(np.zeros((2, 64, 64), np.float32), (1, 16, 16))
    assert chunk_cached(lazy, 16) is lazy
    assert chunk_cached(np.zeros((4, 4)), 1).__class__ is np.ndarray


def test_chunk_cache_indexes_like_the_dask_array():
    img = np.arange(5 * 37 * 41, dtype=np.float32).reshape(5, 37, 41)
    lazy = da.from_array(img, chunks=((2, 3), (10, 27), (41,)))
    cached = ChunkCache(lazy, budget=img.nbytes // 3)  # evicts along the way
    rng = np.random.default_rng(1)
    for _ in range(200):
        key = []
        for n in img.shape:
            if rng.random() < 0.3:
                key.append(int(rng.integers(-n, n)))
            else:
                a, b = sorted(rng.integers(0, n + 1, 2))
                key.append(slice(int(a), int(b)))
        np.testing.assert_array_equal(cached[tuple(key)], img[tuple(key)])
    assert cached._bytes <= cached.budget + max(c.nbytes for c in [img[:3, 10:, :]])


def test_a_failing_chunk_raises_in_every_reader():
    def boom(b):
        raise ValueError("decoder failed")

    lazy = da.zeros((64, 64), chunks=64, dtype=np.float32).map_blocks(boom, dtype=np.float32)
    cached = ChunkCache(lazy)
    for _ in range(2):  # not kept: the next read computes it again (and fails again)
        with pytest.raises(ValueError, match="decoder failed"):
            cached[0:8, 0:8]
    assert cached._bytes == 0


def test_a_zarr_array_of_whole_plane_chunks_reads_each_chunk_once():
    """A zarr-python array of one chunk per plane (a compressed TIFF plane stored in one strip,
    read through tifffile's zarr store, is one: 2048² zlib in one strip took 18 s against
    10 s in 32-row strips) was decoded once per window; now once."""
    import logging

    import zarr
    from zarr.storage import LoggingStore, MemoryStore

    store = LoggingStore(MemoryStore(), log_level="DEBUG", log_handler=logging.NullHandler())
    img = np.random.default_rng(0).random((2, 96, 80)).astype(np.float32)
    z = zarr.create_array(store, shape=img.shape, chunks=(1, 96, 80), dtype="f4")
    z[...] = img
    net, view = tiny_net(1), plane_view(img.shape, "ZYX")
    norm = Normalization(low=[0.0], high=[1.0])
    ref, out = np.zeros_like(img), np.zeros_like(img)
    list(iter_tiles(net, norm, img, view, ref, mode="bsn", pd_stride=1,
                    device=torch.device("cpu"), tile=16))
    store.counter.clear()
    steps = list(iter_tiles(net, norm, z, view, out, mode="bsn", pd_stride=1,
                            device=torch.device("cpu"), tile=16))
    assert len(steps) > 50 and store.counter["get"] == 2, dict(store.counter)
    np.testing.assert_array_equal(out, ref)


def test_an_xarray_of_a_large_chunk_is_read_through_its_data():
    """xarray.open_zarr / a DataArray over dask: its dask data is cached as dask's is (before:
    20 computes of a 4 x 400 x 500 chunk for one run)."""
    import xarray as xr

    img = np.random.default_rng(0).random((3, 96, 80)).astype(np.float32)
    lazy, calls = _counted(img, (3, 96, 80))
    calls[0] = 0
    net, view = tiny_net(1), plane_view(img.shape, "ZYX")
    norm = Normalization(low=[0.0], high=[1.0])
    ref, out = np.zeros_like(img), np.zeros_like(img)
    list(iter_tiles(net, norm, img, view, ref, mode="bsn", pd_stride=1,
                    device=torch.device("cpu"), tile=16))
    list(iter_tiles(net, norm, xr.DataArray(lazy, dims=("z", "y", "x")), view, out,
                    mode="bsn", pd_stride=1, device=torch.device("cpu"), tile=16))
    assert calls[0] == 1, calls[0]
    np.testing.assert_array_equal(out, ref)
