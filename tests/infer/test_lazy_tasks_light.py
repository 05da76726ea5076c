"""A lazy result's tiles name one graph key holding the network, the normalisation and the
input, instead of each carrying them (`infer.lazy`): on a cluster of processes every task was
sent with the whole model and a numpy input (64 tiles of a 2048² image on two local worker
processes: 41 s, 27 s now, same pixels; docs/benchmarks.md)."""

from __future__ import annotations

import pickle

import numpy as np

import napari_sdap


def test_tiles_share_one_key_and_each_task_is_small():
    rng = np.random.default_rng(0)
    image = (100 + rng.normal(0, 10, (2, 96, 96))).astype(np.float32)
    model = napari_sdap.train(image[0], "YX", preset="tiny", steps=2, width=8, blocks=1,
                              batch_size=2, patch_size=24, student=False, device="cpu")
    lazy = model.denoise(image, "ZYX", tile=32, lazy=True)
    graph = dict(lazy.__dask_graph__())
    tiles = [k for k in graph if isinstance(k, tuple)]
    shared = [k for k in graph if not isinstance(k, tuple)]
    assert len(tiles) == lazy.npartitions > 4 and len(shared) == 1
    whole = len(pickle.dumps(graph[shared[0]]))
    assert whole > image.nbytes  # (the input and the network, once)
    assert all(len(pickle.dumps(_task(graph[k]))) < 2000 for k in tiles)
    np.testing.assert_array_equal(lazy.compute(), model.denoise(image, "ZYX", tile=32))


def _task(task):
    """The task as a plain tuple (dask's newer graphs wrap it in a `Task` object)."""
    if isinstance(task, tuple):
        return task
    return (task.func, *getattr(task, "args", ()))
