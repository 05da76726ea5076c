"""A training call on a dask array of large chunks computes each chunk about once.

Regression: only the random patches were read through the chunk cache; the noise reading, the
normalisation, the noise curve, the distillation and the checks at the end of the training each
read the image plane by plane, computing the plane's whole chunk each time: a 10-step `fast`
training on a 4 x 128² `map_blocks` stack in one chunk computed it 25 times (a costly block
function as many times its cost). The model is the one the numpy array gives.
"""

from __future__ import annotations

import threading

import dask
import dask.array as da
import numpy as np
import torch

import napari_sdap as sdap


def _image() -> np.ndarray:
    rng = np.random.default_rng(0)
    wave = 300 * np.sin(np.arange(96) / 5)[None, None]
    return (rng.normal(500, 80, (4, 96, 96)) + wave).astype(np.float32)


def test_a_training_computes_a_large_chunk_about_once() -> None:
    img = _image()
    calls, lock = [0], threading.Lock()

    def block(b: np.ndarray) -> np.ndarray:
        with lock:
            calls[0] += 1
        return b

    lazy = da.from_array(img, chunks=img.shape).map_blocks(block, dtype=img.dtype)
    calls[0] = 0  # (dask may call it once on an empty array to learn its output)
    with dask.config.set(scheduler="synchronous"):
        model = sdap.train(lazy, axes="ZYX", preset="tiny", steps=4, device="cpu", student=True,
                           student_steps=4)
    assert calls[0] <= 2, calls[0]  # was 28
    same = sdap.train(img, axes="ZYX", preset="tiny", steps=4, device="cpu", student=True,
                      student_steps=4)
    for a, b in zip(model.network.state_dict().values(), same.network.state_dict().values(),
                    strict=True):
        assert torch.equal(a, b)
