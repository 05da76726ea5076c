"""Outputs named by axes and placed by a position that no writer can take: `save_result`'s
axes are checked as an image's are (one known letter per dimension, Y and X among them,
upper-cased), and a position (translation) that is not a finite number is dropped with a
warning, as a pixel size is, for every output kind."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from napari_sdap.errors import AxesError, InputError

IMAGE = np.random.default_rng(0).random((32, 32)).astype(np.float32)


@pytest.mark.parametrize("suffix", [".tif", ".zarr", ".ome.zarr"])
@pytest.mark.parametrize(("axes", "words"), [
    ("YY", "repeats"),  # (written into a zarr with two Y axes)
    ("AB", "unknown letters"),  # (written into a zarr)
    (None, "must be a string"),  # (TypeError)
    (["Y", "X"], "must be a string"),  # (AttributeError for a .tif)
])
def test_save_result_refuses_axes_that_do_not_name_the_dimensions(tmp_path, suffix, axes,
                                                                    words):
    from napari_sdap.api.writing import save_result

    with pytest.raises(AxesError, match=words):
        save_result(IMAGE, tmp_path / f"r{suffix}", axes=axes)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".tif", ".ome.zarr"])
def test_save_result_takes_lower_case_axes(tmp_path, suffix):
    """Regression: axes='yx' was refused for a TIFF as not ending in Y and X."""
    from napari_sdap import open_image
    from napari_sdap.api.writing import save_result

    path = save_result(IMAGE, tmp_path / f"r{suffix}", axes="yx")
    src = open_image(path)
    assert src.axes == "YX"
    np.testing.assert_array_equal(np.asarray(src.array), IMAGE)


@pytest.mark.parametrize("suffix", [".tif", ".ome.tif", ".ome.zarr"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "a", True])
def test_a_position_that_is_not_a_finite_number_is_dropped(tmp_path, caplog, suffix, bad):
    """Regression: translation={'Y': nan} wrote NaN into the OME-Zarr's zarr.json (not JSON)
    and an ImageJ 'yorigin=nan'; 'a' raised float()'s ValueError from the writer."""
    from napari_sdap import open_image
    from napari_sdap.api.writing import save_result

    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        path = save_result(IMAGE, tmp_path / f"r{suffix}", axes="YX",
                           translation={"Y": bad, "X": 3.0})
    assert "position Y=" in caplog.text and "dropped" in caplog.text
    assert open_image(path).metadata.get("translation", {}).get("Y", 0.0) == 0.0
    assert open_image(path).metadata["translation"]["X"] == 3.0
    if suffix == ".ome.zarr":
        json.loads((path / "zarr.json").read_text())  # strict JSON: no NaN
        assert "NaN" not in (path / "zarr.json").read_text()


@pytest.mark.parametrize("series", [0.0, True, "0"])
def test_open_image_series_must_be_a_whole_number(tmp_path, series):
    """Regression: series=0.0 said 'series=0.0 does not exist' for a file whose series 0 does
    (True: 'series=True does not exist')."""
    import tifffile

    from napari_sdap import open_image

    tifffile.imwrite(tmp_path / "a.tif", IMAGE)
    with pytest.raises(InputError, match="series must be a whole number"):
        open_image(tmp_path / "a.tif", series=series)
    assert open_image(tmp_path / "a.tif", series=np.int64(0)).shape == IMAGE.shape


def test_lower_case_letters_name_sizes_and_position_too(tmp_path):
    """With axes='yx' taken, scale={'y': 0.5} (and units, translation) keep their axis."""
    from napari_sdap import open_image
    from napari_sdap.api.writing import save_result

    path = save_result(IMAGE, tmp_path / "r.ome.zarr", axes="yx", scale={"y": 0.5, "x": 0.25},
                       units={"y": "um", "x": "um"}, translation={"y": 2.0})
    src = open_image(path)
    assert src.scale == {"Y": 0.5, "X": 0.25}
    assert src.metadata["translation"]["Y"] == 2.0
