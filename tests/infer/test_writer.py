"""Writing tiles on several threads: which writes may overlap, and nothing lost when they do."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
import zarr
from infer_nets import tiny_net

from napari_sdap.axes import plane_view
from napari_sdap.infer.stream import iter_tiles
from napari_sdap.infer.writer import TileWriter, chunk_keys
from napari_sdap.model.normalize import Normalization


class _Grid:
    """A stand-in output with a chunk (or shard) grid, like a zarr array's attributes."""

    def __init__(self, shape, chunks, shards=None):
        self.shape, self.chunks, self.shards = shape, chunks, shards


def test_chunk_keys_by_kind_of_output():
    idx = [(slice(0, 10), slice(5, 25))]
    assert chunk_keys(np.zeros((40, 40)), idx) == frozenset()
    assert chunk_keys(_Grid((40, 40), (10, 10)), idx) == {(0, 0), (0, 1), (0, 2)}
    assert chunk_keys(_Grid((40, 40), (10, 10), shards=(20, 20)), idx) == {(0, 0), (0, 1)}
    assert chunk_keys(_Grid((3, 40, 40), (1, 10, 10)), [(2, slice(10, 11), slice(None))]) == {
        (2, 1, 0), (2, 1, 1), (2, 1, 2), (2, 1, 3)}
    assert chunk_keys(object(), idx) is None  # unknown storage: conflicts with every write
    assert chunk_keys(_Grid((40, 40), None), idx) is None


def test_writes_sharing_a_chunk_run_one_after_the_other():
    times: dict[str, tuple[float, float]] = {}

    def write(name):
        def run():
            start = time.perf_counter()
            time.sleep(0.2)
            times[name] = (start, time.perf_counter())
        return run

    writer = TileWriter(_Grid((40, 40), (20, 20)), workers=3)
    writer.submit(write("a"), [(slice(0, 10), slice(0, 10))])
    writer.submit(write("b"), [(slice(10, 20), slice(0, 10))])  # in the same chunk as a
    writer.submit(write("c"), [(slice(20, 40), slice(20, 40))])  # in a chunk of its own
    writer.drain()
    writer.close()
    assert times["b"][0] >= times["a"][1]  # b waited for a
    assert times["c"][0] < times["a"][1]  # c ran beside a


def test_an_error_in_a_write_is_raised_by_drain():
    writer = TileWriter(np.zeros((4, 4)), workers=2)

    def fail():
        raise OSError("disk full")

    writer.submit(fail, [(slice(0, 2), slice(0, 2))])
    with pytest.raises(OSError, match="disk full"):
        writer.drain()
    writer.close()


@pytest.mark.parametrize("workers", [1, 4])
def test_tiles_into_small_zarr_chunks_lose_nothing(tmp_path, workers):
    """Tiles of 16 px into chunks of 24 px share chunks; with 4 writers nothing is lost."""
    net = tiny_net(1)
    img = np.random.default_rng(0).random((2, 90, 70)).astype(np.float32)
    view = plane_view(img.shape, "ZYX")
    norm = Normalization(low=[0.0], high=[1.0])
    ref = np.zeros_like(img)
    list(iter_tiles(net, norm, img, view, ref, mode="sdap_e", pd_stride=2,
                    device=torch.device("cpu"), tile=16))
    out = zarr.create_array(str(tmp_path / "o.zarr"), shape=img.shape, dtype="f4",
                            chunks=(1, 24, 24), fill_value=np.nan)
    list(iter_tiles(net, norm, img, view, out, mode="sdap_e", pd_stride=2,
                    device=torch.device("cpu"), tile=16, write_workers=workers))
    np.testing.assert_array_equal(out[:], ref)
