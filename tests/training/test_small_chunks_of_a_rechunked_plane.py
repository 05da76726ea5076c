"""A lazy array whose planes are made whole and then cut into small chunks (`rechunk`, a
reader's planes cut up for other work) is read for training and the quality check with each
plane made once per window-sized run of its chunks.

Regression: the small chunks of arrays of at most 256 of them were cached each computed on its
own (`chunk_cache.whole_cached`), which reran the plane they share once per chunk: a 3 x 128²
stack of planes of a 50 ms reader rechunked into 16² pieces ran the reader 192 times in a
training against 60 read window by window (the quality check 0.65 -> 10.7 s, training 4.3 ->
10.7 s). Small chunks are merged into runs of at least a window (12 reads, training 1.2 s);
pixels are the same.
"""

from __future__ import annotations

import threading

import dask.array as da
import numpy as np

import napari_sdap
from napari_sdap.chunk_cache import ChunkCache, whole_cached


def _cut_planes(img, chunks):
    calls, lock = [0], threading.Lock()

    def read(b):
        with lock:
            calls[0] += 1
        return b * 1.0

    planes = da.from_array(img, chunks=(1, *img.shape[1:])).map_blocks(read, dtype=img.dtype)
    calls[0] = 0  # (dask calls it once on an empty array to learn its output)
    return planes.rechunk(chunks), calls


def _stack() -> np.ndarray:
    rng = np.random.default_rng(0)
    _, xx = np.mgrid[:64, :64]
    return (100 + 20 * np.sin(xx / 5.0) + rng.normal(0, 10, (2, 64, 64))).astype(np.float32)


def test_each_plane_is_read_once_through_the_cache():
    img = _stack()
    lazy, calls = _cut_planes(img, (1, 16, 16))  # (32 chunks, 16 of each plane)
    cached = whole_cached(lazy, 64)
    assert isinstance(cached, ChunkCache)
    rng = np.random.default_rng(1)
    for _ in range(20):
        z, y, x = rng.integers(0, 2), rng.integers(0, 32), rng.integers(0, 32)
        np.testing.assert_array_equal(cached[z, y:y + 32, x:x + 32], img[z, y:y + 32, x:x + 32])
    assert calls[0] == 2, calls[0]  # (was 32: each plane once per chunk)


def test_training_and_the_check_read_each_plane_once():
    img = _stack()
    lazy, calls = _cut_planes(img, (1, 16, 16))
    kw = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
          "stride": 1, "device": "cpu", "steps": 3, "student": False}
    model = napari_sdap.train(lazy, "ZYX", **kw)
    assert calls[0] <= 4, calls[0]  # (was 32 and more)
    assert model.record.losses == napari_sdap.train(img, "ZYX", **kw).record.losses
    out = model.denoise(img, "ZYX")
    calls[0] = 0
    report = napari_sdap.quality_report(lazy, out, model, axes="ZYX")
    assert calls[0] <= 2, calls[0]
    assert repr(report) == repr(napari_sdap.quality_report(img, out, model, axes="ZYX"))
