"""A plain `.zarr` output kept its pixel sizes and units (`napari_sdap.scale`, `.units`) but
not where the image lies: a tile of a stitched acquisition, denoised to `result.zarr` and
opened again (or denoised again), lay at the origin. Its translation is stored next to them and
read back."""

from __future__ import annotations

import numpy as np

import napari_sdap
from napari_sdap.io.outputs import open_output


def _write(path, translation, axes="ZYX", shape=(2, 16, 16)):
    sink = open_output(path, shape, "float32", axes=axes, scale={"X": 0.2, "Y": 0.2},
                       units={"X": "micrometer", "Y": "micrometer"}, translation=translation)
    with sink:
        sink.array[...] = np.ones(shape, np.float32)
    return path


def test_a_plain_zarr_output_keeps_where_the_image_lies(tmp_path):
    path = _write(tmp_path / "r.zarr", {"Z": 3.0, "Y": 100.0, "X": -20.5})
    src = napari_sdap.open_image(path)
    assert src.metadata.get("translation") == {"Z": 3.0, "Y": 100.0, "X": -20.5}  # was None
    assert src.scale == {"X": 0.2, "Y": 0.2}


def test_it_goes_on_to_the_next_output(tmp_path):
    first = _write(tmp_path / "r.zarr", {"Y": 7.0, "X": 9.0}, axes="YX", shape=(16, 16))
    src = napari_sdap.open_image(first)
    second = _write(tmp_path / "r2.ome.zarr", src.metadata["translation"], axes="YX",
                    shape=(16, 16))
    assert napari_sdap.open_image(second).metadata["translation"] == {"Y": 7.0, "X": 9.0}


def test_other_axes_given_take_no_position(tmp_path):
    path = _write(tmp_path / "r.zarr", {"Z": 3.0, "Y": 100.0})
    src = napari_sdap.open_image(path, axes="TYX")  # (Z named otherwise: its place unknown)
    assert "translation" not in src.metadata


def test_a_broken_position_is_dropped(tmp_path):
    import zarr

    path = _write(tmp_path / "r.zarr", {"Y": 1.0})
    array = zarr.open_array(str(path), mode="r+")
    saved = dict(array.attrs["napari_sdap"])
    array.attrs["napari_sdap"] = {**saved, "translation": {"Y": "far", "X": 2.0, "Q": 1.0}}
    assert napari_sdap.open_image(path).metadata["translation"] == {"X": 2.0}
