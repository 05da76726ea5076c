"""Training patches from a dask array of large chunks compute each chunk once.

Regression: each random patch computed the chunk(s) it touched, whole: training 30 steps on a
`map_blocks` stack of 8 x 512² in one chunk computed it 167 times (11.4 s against 6.8 s from
the zarr file), a costly block function as many times its cost. An array that fits the cache
(`chunk_cache.BUDGET`) is read through it; the patches are the same.
"""

from __future__ import annotations

import threading

import dask.array as da
import numpy as np

from napari_sdap.axes import plane_view
from napari_sdap.chunk_cache import BUDGET, ChunkCache
from napari_sdap.model.normalize import Normalization
from napari_sdap.training.patches import PatchSampler


def _counted(img, chunks):
    calls, lock = [0], threading.Lock()

    def block(b):
        with lock:
            calls[0] += 1
        return b * 1.0

    lazy = da.from_array(img, chunks=chunks).map_blocks(block, dtype=img.dtype)
    calls[0] = 0  # (dask calls it once on an empty array to learn its output)
    return lazy, calls


def test_patches_of_a_large_chunk_compute_it_once():
    img = np.random.default_rng(0).random((4, 96, 96), dtype=np.float32)
    view = plane_view(img.shape, "ZYX")
    norm = Normalization(low=[0.0], high=[1.0])
    lazy, calls = _counted(img, (4, 96, 96))
    from_lazy = PatchSampler([(lazy, view)], norm, 16, seed=3)
    from_numpy = PatchSampler([(img, view)], norm, 16, seed=3)
    for _ in range(20):
        np.testing.assert_array_equal(from_lazy.sample(4), from_numpy.sample(4))
    assert calls[0] == 1, calls[0]  # (before: one per patch, 80)


def test_an_array_larger_than_the_cache_is_read_as_before():
    lazy = da.zeros((2 * BUDGET // 4 + 4, 8), dtype=np.float32, chunks=(BUDGET // 64, 8))
    sampler = PatchSampler([(lazy, plane_view(lazy.shape, "YX"))],
                           Normalization(low=[0.0], high=[1.0]), 8)
    assert sampler.sources[0][0] is lazy
    small = da.zeros((64, 64), dtype=np.float32, chunks=64)
    sampler = PatchSampler([(small, plane_view(small.shape, "YX"))],
                           Normalization(low=[0.0], high=[1.0]), 8)
    assert isinstance(sampler.sources[0][0], ChunkCache)
