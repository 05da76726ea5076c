"""The work on one file: a file split into pieces gives the pixels of the whole file."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import tifffile
from cli_fixtures import model_file_fixture  # noqa: F401 (fixture)
from synthetic import smooth_image

from napari_sdap.cli.jobs import FileTask, denoise_file
from napari_sdap.cli.pieces import (
    assemble,
    create_scratch,
    denoise_range,
    scratch_path,
    split_ranges,
)
from napari_sdap.io.plane_range import PlaneRange


@pytest.fixture(name="rgb_model", scope="module")
def rgb_model_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import napari_sdap

    rng = np.random.default_rng(1)
    img = np.stack([smooth_image((48, 48), seed=k) for k in range(3)], axis=-1)
    img = np.clip(img * 200 + rng.normal(0, 10, img.shape), 0, 255).astype(np.uint8)
    model = napari_sdap.train(img, "YXC", preset="tiny", steps=3, width=8, blocks=1,
                              device="cpu", student=False)
    path = tmp_path_factory.mktemp("model") / "rgb.safetensors"
    model.save(path)
    return path


def _split(task: FileTask, shape: tuple[int, ...], axes: str, threshold: int,
           began: float | None = None) -> int:
    """Denoise `task` in pieces; `began`: pretend they all started that many seconds ago and
    took a minute each (as side by side on a cluster)."""
    axis, ranges = split_ranges(shape, axes, threshold, workers=1)
    scratch = create_scratch(task.output, shape, axes, axis)
    parts = [denoise_range(task, axis, a, b, scratch) for a, b in ranges]
    if began is not None:
        parts = [{**p, "began": time.time() - began, "seconds": 60.0} for p in parts]
    result = assemble(task, axis, scratch, *parts)
    assert not scratch_path(task.output).exists()
    if began is not None:  # the wall time since the first piece began; all pieces' time apart
        assert began <= result["seconds"] < began + 30
        assert result["compute_seconds"] >= 60 * len(ranges)
    return len(ranges)


def test_pieces_read_tile_by_tile_and_equal_the_whole_file(rgb_model, tmp_path, monkeypatch):
    """An RGBA time series in a compressed TIFF (read through dask, not a memory map): the
    pieces give the whole file's pixels, alpha included, and no read is a whole piece."""
    from napari_sdap.cli.jobs import _MODELS

    rng = np.random.default_rng(2)
    movie = rng.integers(0, 256, (4, 64, 64, 4), dtype=np.uint8)
    src = tmp_path / "movie.tif"
    tifffile.imwrite(src, movie, photometric="rgb", extrasamples=["unassalpha"],
                     compression="zlib", metadata={"axes": "TYXS"})
    sha = __import__("hashlib").sha256(rgb_model.read_bytes()).hexdigest()
    common = {"input": str(src), "model_path": str(rgb_model), "model_sha256": sha,
              "axes": "TYXC", "device": "cpu", "tile": 16, "mode": "bsn"}
    denoise_file(FileTask(output=str(tmp_path / "whole.tif"), **common))
    reads: list[int] = []
    getitem = PlaneRange.__getitem__
    monkeypatch.setattr(PlaneRange, "__getitem__",
                        lambda self, key: reads.append((block := getitem(self, key)).size)
                        or block)
    _MODELS.clear()
    pieces = _split(FileTask(output=str(tmp_path / "split.tif"), **common), movie.shape,
                    "TYXC", threshold=64 * 64 * 4)
    assert pieces == 4 and reads
    assert max(reads) < 64 * 64 * 4  # tiles (and alpha planes), never a whole piece
    whole = tifffile.imread(tmp_path / "whole.tif")
    split = tifffile.imread(tmp_path / "split.tif")
    assert whole.dtype == split.dtype
    np.testing.assert_array_equal(split, whole)
    np.testing.assert_array_equal(split[..., 3], movie[..., 3])


def test_a_split_along_an_inner_axis_equals_the_whole_file(model_file, tmp_path):
    """Two time points of six planes: cut along Z, the longer axis, into six pieces."""
    import hashlib

    rng = np.random.default_rng(3)
    stack = np.stack([[smooth_image((40, 40), seed=t * 6 + z) for z in range(6)]
                      for t in range(2)])
    stack = (stack + rng.normal(0, 0.1, stack.shape)).astype(np.float32)
    src = tmp_path / "tz.tif"
    tifffile.imwrite(src, stack, imagej=True, metadata={"axes": "TZYX"})
    common = {"input": str(src), "model_path": str(model_file),
              "model_sha256": hashlib.sha256(model_file.read_bytes()).hexdigest(),
              "device": "cpu"}
    denoise_file(FileTask(output=str(tmp_path / "whole.tif"), **common))
    assert split_ranges(stack.shape, "TZYX", 40 * 40 * 2, workers=3)[0] == 1
    pieces = _split(FileTask(output=str(tmp_path / "split.tif"), **common), stack.shape,
                    "TZYX", threshold=40 * 40 * 2, began=100)
    assert pieces == 6
    np.testing.assert_array_equal(tifffile.imread(tmp_path / "split.tif"),
                                  tifffile.imread(tmp_path / "whole.tif"))
