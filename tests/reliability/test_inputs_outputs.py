"""Inputs and outputs: outputs onto an input spelled differently, multi-series TIFFs, and
ImageJ / OME headers that disagree with the pages (metadata and codecs:
test_inputs_outputs_metadata.py)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import dask.array as da
import numpy as np
import pytest
import tifffile
import zarr

from napari_sdap.cli import main
from napari_sdap.errors import InputError, OutputError
from napari_sdap.io.readers import open_image

from .helpers import folder_state, noisy


@pytest.fixture(autouse=True)
def _quiet_tifffile():
    logging.getLogger("tifffile").setLevel(logging.CRITICAL)  # broken headers log first


# --- outputs onto an input spelled differently -----------------------------------

@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    """Z/in.zarr (48 x 48), Z/link.zarr -> in.zarr, and Z/t.tif; the cwd is tmp_path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Z").mkdir()
    z = zarr.create_array("Z/in.zarr", shape=(48, 48), dtype="float32", chunks=(16, 16))
    z[:] = noisy((48, 48))
    os.symlink("in.zarr", "Z/link.zarr")
    tifffile.imwrite("Z/t.tif", noisy((48, 48), seed=1))
    tifffile.imwrite("Z/c.tif", noisy((48, 48), seed=3), compression="zlib")
    (tmp_path / "A.zarr").mkdir()
    tifffile.imwrite("A.zarr/t.tif", noisy((48, 48), seed=2))
    return tmp_path


SPELLINGS = {  # (image, output, overwrite) built inside the store folder
    "reopened r+ array": lambda p: (zarr.open_array("Z/in.zarr"),
                                    zarr.open_array(str(p / "Z/in.zarr"), mode="r+"), False),
    "Z/../Z/in.zarr array": lambda p: (zarr.open_array("Z/../Z/in.zarr", mode="r+"),
                                       zarr.open_array(str(p / "Z/in.zarr"), mode="r+"), False),
    "dask from_zarr, output= its path": lambda p: (da.from_zarr(str(p / "Z/in.zarr")),
                                                   str(p / "Z/in.zarr"), True),
    "dask inline, sliced": lambda p: (da.from_zarr("Z/in.zarr", inline_array=True)[::-1] * 1,
                                      "Z/../Z/in.zarr", True),
    "symlink sibling array": lambda p: (zarr.open_array("Z/in.zarr"),
                                        zarr.open_array("Z/link.zarr", mode="r+"), False),
    "symlink sibling path": lambda p: (da.from_zarr("Z/link.zarr"), "Z/in.zarr", True),
    "tifffile memmap": lambda p: (tifffile.memmap("Z/t.tif"), "Z/./t.tif", True),
    "tiff mapped by open_image": lambda p: (open_image("Z/t.tif").array * 1,
                                            str(p / "Z/t.tif"), True),
    "compressed tiff zarr view via dask": lambda p: (da.from_zarr(open_image("Z/c.tif").array),
                                                     str(p / "Z/c.tif"), True),
    "output folder holds the input": lambda p: (tifffile.memmap("A.zarr/t.tif"), "A.zarr", True),
}


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_output_onto_the_input_spelled_differently_is_refused(gray_model, store, spelling):
    before = folder_state(store)
    image, output, overwrite = SPELLINGS[spelling](store)
    with pytest.raises(OutputError, match=r"is the input image .*never overwrite the input"):
        if hasattr(output, "shape"):
            for _ in gray_model.iter_denoise(image, output):
                pass
        else:
            gray_model.denoise(image, output=output, overwrite=overwrite)
    assert folder_state(store) == before  # input unchanged, nothing written


def test_output_next_to_the_input_is_allowed(gray_model, store):
    result = gray_model.denoise(da.from_zarr("Z/link.zarr"), output="Z/out.zarr")
    expected = gray_model.denoise(np.asarray(zarr.open_array("Z/in.zarr")))
    np.testing.assert_allclose(np.asarray(result), expected, atol=1e-5)


# --- multi-series TIFFs -----------------------------------------------------------

@pytest.fixture
def two_series(tmp_path) -> Path:
    path = tmp_path / "two.ome.tif"
    with tifffile.TiffWriter(path, ome=True) as tif:
        tif.write(noisy((2, 32, 32)), metadata={"axes": "ZYX"})
        tif.write(noisy((3, 40, 48), seed=3), metadata={"axes": "ZYX"})
    return path


def test_two_series_are_refused_naming_both(gray_model, two_series):
    pattern = (r"2 image series \(series 0 'Image0': axes ZYX, shape \(2, 32, 32\); series 1 "
               r"'Image1': axes ZYX, shape \(3, 40, 48\)\).*series=N.*--series N")
    with pytest.raises(InputError, match=pattern):
        open_image(two_series)
    with pytest.raises(InputError, match=pattern):  # regression: series 0 denoised, "done"
        gray_model.denoise(two_series)
    with pytest.raises(InputError, match=r"series=2 does not exist.*series 1"):
        open_image(two_series, series=2)


def test_series_1_is_denoised(gray_model, two_series, tmp_path):
    with open_image(two_series, series=1) as src:
        assert src.shape == (3, 40, 48)
        gray_model.denoise(src, output=tmp_path / "one.tif")
    expected = gray_model.denoise(noisy((3, 40, 48), seed=3), "ZYX")
    np.testing.assert_allclose(tifffile.imread(tmp_path / "one.tif"), expected, atol=1e-5)


def test_cli_series_flag(two_series, model_file, tmp_path, capsys):
    args = ["denoise", str(two_series), "--model", str(model_file), "--device", "cpu",
            "--threads", "1", "--quiet", "--output"]
    assert main([*args, str(tmp_path / "out")]) == 1
    assert "series 1 'Image1'" in capsys.readouterr().err
    assert main([*args, str(tmp_path / "out1"), "--series", "1"]) == 0
    assert tifffile.imread(tmp_path / "out1" / "two_s1_sdap.tif").shape == (3, 40, 48)


def test_cli_series_of_one_file_keep_their_outputs_and_others_are_read_whole(
        two_series, model_file, tmp_path, capsys):
    """Both series of a file were written to one name (the second refused as "out of date",
    and --overwrite replaced the first); a file of one series in the batch failed with
    "series=1 does not exist"."""
    single = tmp_path / "single.tif"
    tifffile.imwrite(single, noisy((2, 32, 32), seed=4), imagej=True, metadata={"axes": "ZYX"})
    out = tmp_path / "out"
    args = ["denoise", str(two_series), str(single), "--model", str(model_file), "--device",
            "cpu", "--threads", "1", "--quiet", "--output", str(out)]
    assert main([*args, "--series", "1"]) == 0
    assert main([*args, "--series", "0"]) == 0
    assert sorted(p.name for p in out.glob("*.tif")) == ["single_sdap.tif", "two_s0_sdap.tif",
                                                         "two_s1_sdap.tif"]
    assert tifffile.imread(out / "two_s1_sdap.tif").shape == (3, 40, 48)
    import json  # the record says which series each output holds

    files = json.loads((out / "sdap_run.json").read_text())["files"]
    assert [files[n]["series"] for n in ("two_s0_sdap.tif", "two_s1_sdap.tif",
                                         "single_sdap.tif")] == [0, 1, None]


def test_pages_of_two_shapes_are_refused_but_pyramid_levels_are_not(tmp_path):
    shapes = tmp_path / "shapes.tif"
    with tifffile.TiffWriter(shapes) as tif:
        tif.write(noisy((32, 32)), metadata=None)
        tif.write(noisy((24, 40)), metadata=None)
    with pytest.raises(InputError, match=r"2 image series.*shape \(24, 40\)"):
        open_image(shapes)
    assert open_image(shapes, series=1).shape == (24, 40)
    pyramid = tmp_path / "pyramid.ome.tif"
    with tifffile.TiffWriter(pyramid, ome=True) as tif:
        tif.write(noisy((64, 64)), subifds=1, metadata={"axes": "YX"})
        tif.write(noisy((32, 32)), subfiletype=1)  # reduced level 1
        tif.write(noisy((16, 16)), subfiletype=1)  # a thumbnail page
    with open_image(pyramid) as src:
        assert src.shape == (64, 64)


def test_bioformats2raw_store_with_two_series(tmp_path):
    from napari_sdap.io.ome import write_ome_group

    root = tmp_path / "plate.zarr"
    zarr.open_group(root, mode="w", attributes={"bioformats2raw.layout": 3})
    for k, shape in enumerate([(2, 32, 32), (3, 40, 48)]):
        attrs = {"napari_sdap": {}}
        write_ome_group(root / str(k), shape, np.dtype("float32"), shape, "ZYX", {}, {}, attrs)
    with pytest.raises(InputError, match=r"2 image series \(series 0: .*; series 1: .*--series N"):
        open_image(root)
    assert open_image(root, series=1).shape == (3, 40, 48)
    assert open_image(root, series=1).metadata["series"] == 1  # in every output's record


# --- ImageJ / OME headers that disagree with the pages ---------------------------

def _patched(path: Path, old: bytes, new: bytes) -> Path:
    data = path.read_bytes()
    assert data.count(old) == 1 and len(old) == len(new)
    path.write_bytes(data.replace(old, new))
    return path


@pytest.mark.parametrize("claim, message", [
    (b"images=3\nslices=3", r"2 of the file's 5 pages \(number 3, 4\).*does not describe"),
    (b"images=4\nslices=4", r"1 of the file's 5 pages \(number 4\).*does not describe"),
    (b"images=9\nslices=9", r"do not match its imagej header \(images=9, slices=9\)"),
])
def test_imagej_header_disagreeing_with_the_pages(gray_model, tmp_path, claim, message):
    path = tmp_path / "ij.tif"
    tifffile.imwrite(path, noisy((5, 32, 32)), imagej=True, metadata={"axes": "ZYX"})
    _patched(path, b"images=5\nslices=5", claim)
    before = folder_state(tmp_path)
    with pytest.raises(InputError, match=message):
        open_image(path)
    with pytest.raises(InputError, match=message):  # regression: 3 of 5 planes denoised
        gray_model.denoise(path, output=tmp_path / "out.tif")
    assert folder_state(tmp_path) == before


@pytest.mark.parametrize("size, message", [
    (b'SizeZ="3"', r"2 of the file's 5 pages.*ome header does not describe"),
    (b'SizeZ="9"', r"describes 9 planes .* 4 of them are not in the file"),
])
def test_ome_header_disagreeing_with_the_pages(tmp_path, size, message):
    path = tmp_path / "o.ome.tif"
    tifffile.imwrite(path, noisy((5, 32, 32)), metadata={"axes": "ZYX"})
    _patched(path, b'SizeZ="5"', size)
    with pytest.raises(InputError, match=message):  # regression: 3 planes, or 4 zero planes
        open_image(path)


def test_matching_header_reads_every_plane_eagerly_and_lazily(tmp_path):
    data = noisy((5, 32, 32))
    tifffile.imwrite(tmp_path / "ij.tif", data, imagej=True, metadata={"axes": "ZYX"})
    tifffile.imwrite(tmp_path / "ij1.tif", data, imagej=True, metadata={"axes": "ZYX"},
                     truncate=True)  # one IFD for five planes, as ImageJ writes above 4 GB
    for name in ("ij.tif", "ij1.tif"):
        with open_image(tmp_path / name) as src:
            np.testing.assert_array_equal(np.asarray(src.array[:]), data)
            np.testing.assert_array_equal(da.asarray(src.array).compute(), data)
