"""Training reads a lazy array of a few small chunks through the chunk cache.

Regression: only chunks above twice a window were cached; a 4 x 96² `map_blocks` stack in 32²
chunks whose block function took 20 ms was computed 1009 times by a `time_budget=5` training
(475 times before its first step: 6.9 s of a 5 s budget gone; the call took 13.5 s). Each chunk
is made once now (7.7 s), the same pixels. Arrays of many small chunks (each computed on its
own: a 2 x 1024² array in 16² chunks took 95 s against 10 s) and denoising tiles read them as
before.
"""

from __future__ import annotations

import threading

import dask.array as da
import numpy as np

import napari_sdap
from napari_sdap.chunk_cache import ChunkCache, chunk_cached, whole_cached


def _counted(img, chunks):
    calls, lock = [0], threading.Lock()

    def block(b):
        with lock:
            calls[0] += 1
        return b * 1.0

    lazy = da.from_array(img, chunks=chunks).map_blocks(block, dtype=img.dtype)
    calls[0] = 0  # (dask calls it once on an empty array to learn its output)
    return lazy, calls


def _stack() -> np.ndarray:
    rng = np.random.default_rng(0)
    _, xx = np.mgrid[:64, :64]
    return (100 + 20 * np.sin(xx / 5.0) + rng.normal(0, 10, (2, 64, 64))).astype(np.float32)


def test_few_small_chunks_are_cached_for_training_not_for_tiles():
    lazy, _ = _counted(_stack(), (1, 16, 16))  # (32 chunks)
    assert isinstance(whole_cached(lazy, 64), ChunkCache)
    assert chunk_cached(lazy, 64) is lazy  # (tiles along rows read each about once)
    many = da.zeros((2, 256, 256), dtype=np.float32, chunks=(1, 16, 16))  # (512: each chunk
    assert whole_cached(many, 64) is many  # computed on its own cost more than it saved)


def test_training_computes_each_small_chunk_once():
    img = _stack()
    lazy, calls = _counted(img, (1, 16, 16))
    kw = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
          "stride": 1, "device": "cpu", "steps": 4, "student": False}
    model = napari_sdap.train(lazy, "ZYX", **kw)
    assert calls[0] <= 2 * 4 * 4 + 2, calls[0]  # 32 chunks (was 464)
    same = napari_sdap.train(img, "ZYX", **kw)
    assert model.record.losses == same.record.losses
