"""`open_denoise(..., chunks=...)` (and `open_output`) with a chunk shape of the wrong length, a
0 or a text raised a raw IndexError, ZeroDivisionError or zarr's TypeError, and `scale`,
`units` or `translation` given as a list a raw AttributeError ('list' object has no attribute
'items'); each is an `OutputError` naming the value and the form, before the output is
opened, and nothing is left in the folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from napari_sdap.errors import OutputError
from napari_sdap.io.outputs import open_output

SHAPE = (2, 32, 32)


@pytest.mark.parametrize("chunks", [(1,), (0, 8, 8), "auto", (1, 8.0, 8), (1, -8, 8), 5])
@pytest.mark.parametrize("ending", [".tif", ".ome.zarr", ".zarr"])
def test_a_bad_chunk_shape_is_refused_first(tmp_path: Path, chunks, ending: str) -> None:
    with pytest.raises(OutputError, match=r"chunks must be one whole number of at least 1 per "
                                          r"axis of the output \(ZYX, shape \(2, 32, 32\)\), "
                                          r"got .*; e\.g\. chunks=\(1, 32, 32\)"):
        open_output(tmp_path / f"out{ending}", SHAPE, np.float32, axes="ZYX", chunks=chunks)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["scale", "units", "translation"])
def test_metadata_given_as_a_list_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutputError, match=rf"{name} must be a dict by axis letter, e\.g\. "
                                          rf"{name}=\{{'Y': .*\(got a list\), or None"):
        open_output(tmp_path / "out.ome.zarr", SHAPE, np.float32, axes="ZYX",
                    **{name: [1.0, 0.5, 0.5]})
    assert list(tmp_path.iterdir()) == []


def test_good_chunks_still_write(tmp_path: Path) -> None:
    sink = open_output(tmp_path / "out.zarr", SHAPE, np.float32, axes="ZYX",
                       chunks=(np.int64(1), 7, 7))
    with sink:
        sink.array[...] = np.ones(SHAPE, np.float32)
    assert (tmp_path / "out.zarr").is_dir()
