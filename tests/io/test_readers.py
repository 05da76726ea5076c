"""open_image: lazy TIFF / zarr v2+v3 / OME-Zarr / npy reading with axes, scale and units."""

from __future__ import annotations

import os
import pickle

import dask.array as da
import numpy as np
import pytest
import tifffile
import zarr

from napari_sdap.errors import AxesError, InputError
from napari_sdap.io.readers import open_image


@pytest.fixture
def data():
    return np.random.default_rng(0).integers(0, 4000, (3, 20, 30)).astype(np.uint16)


def test_imagej_tiff_keeps_axes_scale_units_lazily(tmp_path, data):
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, data, imagej=True, resolution=(1 / 0.25, 1 / 0.25),
                     metadata={"axes": "ZYX", "spacing": 1.5, "unit": "micron"})
    with open_image(path) as src:
        assert src.axes == "ZYX" and src.shape == data.shape and src.dtype == np.uint16
        assert isinstance(src.array, da.Array)  # memory-mapped, not a numpy copy
        assert src.scale == pytest.approx({"X": 0.25, "Y": 0.25, "Z": 1.5})
        assert src.units == {"X": "micrometer", "Y": "micrometer", "Z": "micrometer"}
        assert src.metadata["imagej"]["spacing"] == 1.5
        np.testing.assert_array_equal(src.array[1, 5:9, 3:7], data[1, 5:9, 3:7])


@pytest.mark.parametrize("byteorder", ["<", ">"])
def test_uncompressed_tiff_is_mapped_in_small_chunks(tmp_path, byteorder):
    """A plane stored as one strip is read in 1024² chunks from a read-only memory map, not
    as one chunk (every window would read the whole plane)."""
    big = np.random.default_rng(2).integers(0, 60000, (2100, 1500)).astype(np.uint16)
    path = tmp_path / "big.tif"
    tifffile.imwrite(path, big, byteorder=byteorder)
    with tifffile.TiffFile(path) as tif:
        assert len(tif.pages[0].dataoffsets) == 1  # one strip
    with open_image(path) as src:
        assert isinstance(src.array, da.Array) and src.array.chunksize == (1024, 1024)
        assert src.dtype.newbyteorder("=") == np.uint16 and src.axes == "YX"
        np.testing.assert_array_equal(np.asarray(src.array[1000:1100, 1400:1500]),
                                      big[1000:1100, 1400:1500])
        assert src.reader.dtype == np.uint16  # training and denoising read through it
        np.testing.assert_array_equal(src.reader[1000:1100, 1400:1500], big[1000:1100, 1400:1500])
        for arr in (src.array, src.reader):
            assert len(pickle.dumps(arr)) < 20_000  # the file's name, not its 6 MB of data
            again = pickle.loads(pickle.dumps(arr))
            np.testing.assert_array_equal(np.asarray(again[2000:, :7]), big[2000:, :7])
    np.testing.assert_array_equal(tifffile.imread(path), big)  # the file is unchanged


def _mapped_now(path) -> bool:
    """Whether this process maps `path` now (Linux: /proc/self/maps)."""
    with open("/proc/self/maps") as f:
        return any(line.rstrip().endswith(str(path)) for line in f)


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="reads /proc/self/maps")
@pytest.mark.parametrize("name", ["big.tif", "big.npy"])
def test_close_unmaps_the_file_and_a_later_read_maps_it_again(tmp_path, name):
    """Windows refuses to move or delete a mapped file: `close()` must unmap it, not leave
    that to the garbage collector."""
    big = np.random.default_rng(5).integers(0, 60000, (1300, 1100)).astype(np.uint16)
    path = tmp_path / name
    tifffile.imwrite(path, big) if name.endswith(".tif") else np.save(path, big)
    src = open_image(path)
    window = np.asarray(src.array[1200:, 1000:])  # reads through dask, as denoising does
    assert src.reader.is_mapped and _mapped_now(path)
    src.close()
    assert not src.reader.is_mapped and not _mapped_now(path)
    src.close()  # harmless twice
    np.testing.assert_array_equal(src.reader[5:9, 7:11], big[5:9, 7:11])  # mapped again
    assert _mapped_now(path)
    src.close()
    np.testing.assert_array_equal(np.asarray(src.array[1200:, 1000:]), window)
    src.close()
    assert not _mapped_now(path)


def test_close_leaves_a_read_in_progress_its_map(tmp_path):
    big = np.arange(200 * 300, dtype=np.float32).reshape(200, 300)
    np.save(tmp_path / "a.npy", big)
    src = open_image(tmp_path / "a.npy")
    view = src.reader._map()[10:20]  # what a read holds while it copies
    src.close()
    np.testing.assert_array_equal(view, big[10:20])  # still mapped, not a dangling pointer
    del view


def test_page_checks_run_once_per_file_state(tmp_path, data, monkeypatch):
    """The page checks visit every page; a file opened again unchanged is not checked again,
    a changed one is (and a bad header written over a good file is still refused)."""
    from napari_sdap.io import tiff_reader

    calls = []
    real = tiff_reader.check_series
    monkeypatch.setattr(tiff_reader, "check_series", lambda *a: (calls.append(1), real(*a)))
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, data, imagej=True, metadata={"axes": "ZYX"})
    for _ in range(3):
        open_image(path).close()
    assert len(calls) == 1
    open_image(path, series=0).close()  # the same series
    assert len(calls) == 1
    stamp = os.stat(path).st_mtime_ns
    tifffile.imwrite(path, np.concatenate([data, data[:2]]), imagej=True,
                     metadata={"axes": "ZYX"})
    with open(path, "r+b") as f:  # a header announcing 9 slices over 5 pages
        raw = f.read()
        for field in (b"images=", b"slices="):
            f.seek(raw.index(field + b"5"))
            f.write(field + b"9")
    os.utime(path, ns=(stamp, stamp))  # even with the old modification time
    with pytest.raises(InputError, match="do not match its imagej header"):
        open_image(path)
    assert len(calls) == 2


@pytest.mark.parametrize("kwargs", [{"compression": "zlib"}, {"tile": (32, 32)}])
def test_compressed_or_tiled_tiff_is_read_through_zarr(tmp_path, data, kwargs):
    path = tmp_path / "c.tif"
    tifffile.imwrite(path, data, photometric="minisblack", **kwargs)  # 3 grey planes
    with open_image(path) as src:
        assert isinstance(src.array, zarr.Array)
        np.testing.assert_array_equal(np.asarray(src.array[...]), data)


def test_ome_tiff_rgb_axes_and_physical_size(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 255, (16, 24, 3)).astype(np.uint8)
    path = tmp_path / "rgb.ome.tif"
    tifffile.imwrite(path, rgb, ome=True, photometric="rgb",
                     metadata={"axes": "YXS", "PhysicalSizeX": 0.4, "PhysicalSizeY": 0.5,
                               "PhysicalSizeXUnit": "nm", "PhysicalSizeYUnit": "nm"})
    with open_image(path) as src:
        assert src.axes == "YXC"
        assert src.scale == pytest.approx({"X": 0.4, "Y": 0.5})
        assert src.units == {"X": "nanometer", "Y": "nanometer"}
        np.testing.assert_array_equal(np.asarray(src.array[...]), rgb)


def test_plain_tiff_without_units_has_no_scale(tmp_path, data):
    path = tmp_path / "plain.tiff"
    tifffile.imwrite(path, data[0])
    with open_image(path) as src:
        assert src.axes == "YX" and src.scale == {} and src.units == {}


def test_axes_override_and_bad_axes(tmp_path, data):
    path = tmp_path / "t.tif"
    tifffile.imwrite(path, data, imagej=True, metadata={"axes": "ZYX"})
    with open_image(path, axes="TYX") as src:
        assert src.axes == "TYX"
    with pytest.raises(AxesError, match="letters"):
        open_image(path, axes="YX")


@pytest.mark.parametrize("fmt", [2, 3])
def test_zarr_v2_v3_array_and_single_array_group(tmp_path, data, fmt):
    arr = zarr.create_array(str(tmp_path / "a.zarr"), shape=data.shape, dtype=data.dtype,
                            chunks=(1, 10, 10), zarr_format=fmt)
    arr[...] = data
    src = open_image(tmp_path / "a.zarr")
    assert src.axes == "ZYX" and isinstance(src.array, zarr.Array)
    np.testing.assert_array_equal(src.array[2], data[2])
    group = zarr.open_group(str(tmp_path / "g.zarr"), mode="w", zarr_format=fmt)
    group.create_array("img", shape=data.shape, dtype=data.dtype)[...] = data
    assert open_image(tmp_path / "g.zarr", axes="TYX").shape == data.shape
    group.create_array("other", shape=(2, 2), dtype="f4")
    with pytest.raises(InputError, match="2 arrays"):
        open_image(tmp_path / "g.zarr")


def test_ome_zarr_level0_axes_scale_units(tmp_path, data):
    from ome_zarr.io import parse_url
    from ome_zarr.writer import write_image

    root = zarr.open_group(parse_url(str(tmp_path / "img.ome.zarr"), mode="w").store, mode="w")
    write_image(data, root, axes="zyx", scale={"z": 2.0, "y": 0.3, "x": 0.3},
                axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"},
                scale_factors=[2])
    src = open_image(tmp_path / "img.ome.zarr")
    assert src.axes == "ZYX" and src.shape == data.shape
    assert src.scale == pytest.approx({"Z": 2.0, "Y": 0.3, "X": 0.3})
    assert src.units["X"] == "micrometer"
    np.testing.assert_array_equal(src.array[1], data[1])


def test_ome_zarr_position_from_the_level_and_the_multiscales_entry(tmp_path, data):
    """A level opened on its own (`img.ome.zarr/0`) lost the image's position, and the
    transforms of the multiscales entry, which apply after the level's, were not read."""
    root = zarr.open_group(str(tmp_path / "img.ome.zarr"), mode="w", zarr_format=2)
    root.create_array("0", shape=data.shape, dtype=data.dtype)[...] = data
    axes = [{"name": "z", "type": "space"}, {"name": "y", "type": "space"},
            {"name": "x", "type": "space", "unit": "micrometer"}]
    root.attrs["multiscales"] = [{
        "version": "0.4", "axes": axes,
        "datasets": [{"path": "0", "coordinateTransformations": [
            {"type": "scale", "scale": [2.0, 0.5, 0.5]},
            {"type": "translation", "translation": [10.0, 100.0, 0.0]}]}],
        "coordinateTransformations": [{"type": "scale", "scale": [1.0, 0.8, 0.8]},
                                      {"type": "translation", "translation": [0, 0, 5.0]}]}]
    for path in (tmp_path / "img.ome.zarr", tmp_path / "img.ome.zarr" / "0"):
        src = open_image(path)
        assert src.axes == "ZYX" and src.units["X"] == "micrometer"
        assert src.scale == pytest.approx({"Z": 2.0, "Y": 0.4, "X": 0.4}), path
        assert src.metadata["translation"] == pytest.approx({"Z": 10.0, "Y": 80.0, "X": 5.0})


@pytest.mark.parametrize("order", ["C", "F"])
def test_npy_is_memory_mapped_and_lazy(tmp_path, order):
    big = np.asarray(np.random.default_rng(3).random((2, 1100, 900), np.float32), order=order)
    np.save(tmp_path / "a.npy", big)
    src = open_image(tmp_path / "a.npy")
    assert isinstance(src.array, da.Array)  # dask over a memmap, not a copy of the file
    assert len(pickle.dumps(src.array)) < 20_000 and len(pickle.dumps(src.reader)) < 20_000
    for arr in (src.array, pickle.loads(pickle.dumps(src.array)), src.reader,
                pickle.loads(pickle.dumps(src.reader))):
        np.testing.assert_array_equal(np.asarray(arr[1, 1000:, 850:]), big[1, 1000:, 850:])


def test_missing_corrupt_and_unsupported_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        open_image(tmp_path / "nope.tif")
    (tmp_path / "bad.tif").write_bytes(b"this is not a tiff at all")
    with pytest.raises(InputError, match="not a readable TIFF"):
        open_image(tmp_path / "bad.tif")
    (tmp_path / "bad.npy").write_bytes(b"garbage")
    with pytest.raises(InputError, match=r"not a readable \.npy"):
        open_image(tmp_path / "bad.npy")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="unsupported file type"):
        open_image(tmp_path / "notes.txt")
    (tmp_path / "empty.zarr").mkdir()
    with pytest.raises(InputError, match="zarr"):
        open_image(tmp_path / "empty.zarr")


def test_ome_tiff_plane_positions_are_read_in_the_pixel_size_unit(tmp_path):
    """Positions in nm or mm were taken as micrometres: an output then lay 1000x off."""
    data = np.zeros((2, 8, 8), np.float32)
    tifffile.imwrite(tmp_path / "a.ome.tif", data, ome=True, metadata={
        "axes": "ZYX", "PhysicalSizeX": 0.1, "PhysicalSizeY": 0.1, "PhysicalSizeZ": 2.0,
        "Plane": {"PositionX": [5000.0, 5000.0], "PositionXUnit": ["nm", "nm"],
                  "PositionY": [1.0, 1.0], "PositionYUnit": ["mm", "mm"],
                  "PositionZ": [4.0, 6.0]}})
    with open_image(tmp_path / "a.ome.tif") as src:
        assert src.metadata["translation"] == pytest.approx({"X": 5.0, "Y": 1000.0, "Z": 4.0})
