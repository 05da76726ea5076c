"""A file of thousands of image series is refused in a message of bounded length.

Regression: a stack written frame by frame (`TiffWriter.write` in a loop, tifffile's default
makes each page its own series) of 3000 frames was refused in a 180 KB message listing every
series, printed whole by the CLI and stored in its run record. The same held for a
bioformats2raw store of many series (a multi-well plate).
"""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from napari_sdap import open_image
from napari_sdap.errors import InputError


@pytest.fixture
def frames_tif(tmp_path):
    p = tmp_path / "frames.tif"
    with tifffile.TiffWriter(p) as w:
        for k in range(300):
            w.write(np.full((8, 8), k, np.uint16))
    return p


def test_many_tiff_series_message_is_short(frames_tif):
    with pytest.raises(InputError) as e:
        open_image(frames_tif)
    msg = str(e.value)
    assert len(msg) < 1000, len(msg)
    assert "300 image series" in msg
    assert "series 0: axes YX, shape (8, 8)" in msg
    assert "series 299: axes YX" in msg  # the last one, so the range is clear
    assert "293 more" in msg
    assert "series=N" in msg


def test_wrong_series_message_is_short(frames_tif):
    with pytest.raises(InputError, match="series=400 does not exist") as e:
        open_image(frames_tif, series=400)
    assert len(str(e.value)) < 1000


def test_few_series_are_all_named(tmp_path):
    p = tmp_path / "few.tif"
    with tifffile.TiffWriter(p) as w:
        for k in range(7):
            w.write(np.full((8, 8), k, np.uint16))
    with pytest.raises(InputError) as e:
        open_image(p)
    assert all(f"series {k}: axes YX" in str(e.value) for k in range(7))
    assert "more" not in str(e.value)


def test_many_bioformats2raw_series_message_is_short(tmp_path):
    import zarr

    root = zarr.open_group(tmp_path / "plate.zarr", mode="w")
    root.attrs["bioformats2raw.layout"] = 3
    for k in range(200):
        root.create_group(str(k))
    with pytest.raises(InputError, match="200 image series") as e:
        open_image(tmp_path / "plate.zarr")
    assert len(str(e.value)) < 2000
    with pytest.raises(InputError, match="series=500 does not exist") as e:
        open_image(tmp_path / "plate.zarr", series=500)
    assert len(str(e.value)) < 1000


def test_alike_series_get_the_one_stack_fix(frames_tif, tmp_path):
    """Series all alike are most likely frames written one at a time: the message says how to
    save them as one stack, and that stack opens."""
    with pytest.raises(InputError, match=r"frames of one stack") as e:
        open_image(frames_tif)
    assert "tifffile.imread(path, is_shaped=False)" in str(e.value)
    stack = tmp_path / "stack.tif"
    tifffile.imwrite(stack, tifffile.imread(frames_tif, is_shaped=False), imagej=True,
                     metadata={"axes": "TYX"})
    with open_image(stack) as src:
        assert (src.axes, src.shape) == ("TYX", (300, 8, 8))


def test_series_of_other_shapes_get_no_stack_fix(tmp_path):
    p = tmp_path / "two.tif"
    with tifffile.TiffWriter(p) as w:
        w.write(np.zeros((8, 8), np.uint16))
        w.write(np.zeros((9, 8), np.uint16))
    with pytest.raises(InputError, match="2 image series") as e:
        open_image(p)
    assert "frames of one stack" not in str(e.value)
