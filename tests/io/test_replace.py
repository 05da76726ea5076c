"""overwrite=True replaces only what napari-sdap could have written at the output path."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
import zarr

from napari_sdap.errors import OutputError
from napari_sdap.io.outputs import open_output
from napari_sdap.io.readers import open_image


def _write(path, value, **kw):
    with open_output(path, (4, 6), "float32", axes="YX", **kw) as sink:
        sink.array[...] = value


def _refused(path, what):
    with pytest.raises(OutputError, match=rf"{path.name} is {what}.*choose another output "
                                          rf"path, or delete .* yourself"):
        _write(path, 2.0, overwrite=True)


def test_a_plain_folder_is_never_replaced(tmp_path):
    for name in ("session.tif", "precious.zarr", "img.ome.zarr"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "notes.txt").write_text("lab notes")
        _refused(tmp_path / name, "a folder holding notes.txt")
        assert (tmp_path / name / "notes.txt").read_text() == "lab notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img.ome.zarr", "precious.zarr",
                                                          "session.tif"]  # no temporaries


def test_a_zarr_group_of_other_arrays_is_never_replaced(tmp_path):
    group = zarr.open_group(str(tmp_path / "exp.zarr"), mode="w")
    group.create_array("raw", shape=(4, 6), dtype="f4")[:] = 1.0
    group.create_array("labels", shape=(4, 6), dtype="u2")[:] = 7
    _refused(tmp_path / "exp.zarr", r"a zarr group holding labels, raw \(not one image\)")
    assert group["labels"][0, 0] == 7


def test_an_ome_zarr_image_with_labels_or_a_touched_array_is_never_replaced(tmp_path):
    _write(tmp_path / "img.ome.zarr", 1.0)
    zarr.open_group(str(tmp_path / "img.ome.zarr" / "labels"), mode="w")
    _refused(tmp_path / "img.ome.zarr", r"an OME-Zarr group holding more than its image "
                                        r"\(labels\)")
    _write(tmp_path / "a.zarr", 1.0)
    (tmp_path / "a.zarr" / "notes.txt").write_text("x")
    _refused(tmp_path / "a.zarr", r"a zarr array with other files in it \(notes.txt\)")


def test_a_file_is_not_a_zarr_store(tmp_path):
    (tmp_path / "b.zarr").write_text("x")
    _refused(tmp_path / "b.zarr", "a file, not a zarr store")


@pytest.mark.parametrize("name", ["o.tif", "o.ome.tif", "o.zarr", "o.ome.zarr"])
def test_our_own_outputs_are_replaced(tmp_path, name):
    _write(tmp_path / name, 1.0)
    _write(tmp_path / name, 2.0, overwrite=True)
    with open_image(tmp_path / name) as src:
        assert np.asarray(src.array[...]).min() == 2.0
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_other_writers_arrays_and_empty_places_are_replaced(tmp_path):
    tifffile.imwrite(tmp_path / "t.tif", np.zeros((4, 6), np.uint8))
    zarr.create_array(str(tmp_path / "v2.zarr"), shape=(4, 6), dtype="f4", chunks=(2, 3),
                      zarr_format=2)[:] = 1.0
    (tmp_path / "empty.zarr").mkdir()
    (tmp_path / "other.tif").write_text("any file: a TIFF output replaces a file")
    for name in ("t.tif", "v2.zarr", "empty.zarr", "other.tif"):
        _write(tmp_path / name, 3.0, overwrite=True)
        with open_image(tmp_path / name) as src:
            assert np.asarray(src.array[...]).min() == 3.0


def test_a_folder_made_while_writing_is_left_alone(tmp_path):
    path = tmp_path / "late.zarr"
    with pytest.raises(OutputError, match=r"a folder holding notes\.txt"):
        with open_output(path, (4, 6), axes="YX", overwrite=True) as sink:
            sink.array[...] = 1.0
            path.mkdir()
            (path / "notes.txt").write_text("x")
    assert sorted(p.name for p in path.iterdir()) == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["late.zarr"]


def test_a_users_file_inside_a_chunk_named_folder_is_never_replaced(tmp_path):
    v3 = tmp_path / "v3.zarr"
    zarr.create_array(str(v3), shape=(4, 6), dtype="f4", chunks=(2, 3))[:] = 1.0
    (v3 / "c" / "notes.txt").write_text("weeks of work")
    _refused(v3, r"a zarr array with other files in it \(c/notes.txt\)")
    v2 = tmp_path / "v2.zarr"  # ('.' chunk keys: a folder '0' holds no chunks)
    zarr.create_array(str(v2), shape=(4, 6), dtype="f4", chunks=(2, 3), zarr_format=2)[:] = 1
    (v2 / "0").mkdir()
    (v2 / "0" / "roi.csv").write_text("x,y")
    _refused(v2, r"a zarr array with other files in it \(0/roi.csv\)")
    _write(tmp_path / "img.ome.zarr", 1.0)
    (tmp_path / "img.ome.zarr" / "0" / "c" / "n.txt").write_text("x")
    _refused(tmp_path / "img.ome.zarr", r"an OME-Zarr group whose member 0 is not a plain")
    (v3 / "c" / "9").mkdir()  # a chunk key of another dimensionality is not a chunk either
    (v3 / "c" / "9" / "0" / "0").mkdir(parents=True)
    (v3 / "c" / "9" / "0" / "0" / "1").write_text("x")
    (v3 / "c" / "notes.txt").unlink()
    _refused(v3, r"a zarr array with other files in it \(c/9/0/0/1\)")
    assert (v2 / "0" / "roi.csv").exists() and (v3 / "c" / "9" / "0" / "0" / "1").exists()
