"""Inputs and outputs, metadata: pixel sizes and units that cannot be written, and TIFF codecs
whose package (imagecodecs) is missing."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr
from extras import needs

from napari_sdap.errors import InputError
from napari_sdap.io.readers import open_image
from napari_sdap.io.units import OME_SYMBOLS

from .helpers import noisy

# --- pixel sizes and units that cannot be written --------------------------------

def _no_bad_numbers(text: str) -> bool:
    return re.search(r"(?i)\b(nan|-?inf(inity)?)\b", text) is None


def _check_written(out: Path) -> None:
    with open_image(out) as src:
        assert src.shape == (2, 32, 32)
        assert all(math.isfinite(v) and v > 0 for v in src.scale.values()), src.scale
        assert set(src.units.values()) <= set(OME_SYMBOLS), src.units
    if out.suffix == ".zarr":
        for meta in out.rglob("zarr.json"):
            assert _no_bad_numbers(meta.read_text()), meta
            json.loads(meta.read_text())  # strict JSON: no NaN literal
    else:
        with tifffile.TiffFile(out) as tif:
            page = tif.pages.first
            assert _no_bad_numbers(page.description or "")
            for tag in ("XResolution", "YResolution"):
                if tag in page.tags:
                    assert page.tags[tag].value[0] > 0


@pytest.mark.parametrize("bad", [math.nan, -0.5, 1e-300, math.inf, 0.0])
def test_unwritable_ome_pixel_sizes_are_dropped(gray_model, tmp_path, bad):
    path = tmp_path / "bad.ome.tif"
    tifffile.imwrite(path, noisy((2, 32, 32)), metadata={
        "axes": "ZYX", "PhysicalSizeX": bad, "PhysicalSizeY": bad, "PhysicalSizeZ": 2.0})
    with open_image(path) as src:
        assert src.scale == {"Z": 2.0}  # the good size is kept
    for name in ("out.tif", "out.ome.zarr", "out.zarr"):
        gray_model.denoise(path, output=tmp_path / name)  # regression: failed at the write
        _check_written(tmp_path / name)


@pytest.mark.parametrize("unit", ["furlong", "µm\n=x", ""])
def test_unknown_unit_is_dropped_with_its_size(gray_model, tmp_path, unit):
    path = tmp_path / "unit.ome.tif"
    tifffile.imwrite(path, noisy((2, 32, 32)), metadata={
        "axes": "ZYX", "PhysicalSizeX": 0.5, "PhysicalSizeXUnit": unit, "PhysicalSizeY": 0.5,
        "PhysicalSizeYUnit": unit, "PhysicalSizeZ": 2.0, "PhysicalSizeZUnit": "nm"})
    with open_image(path) as src:
        assert (src.scale, src.units) == ({"Z": 2.0}, {"Z": "nanometer"})
    for name in ("out.ome.tif", "out.ome.zarr"):
        gray_model.denoise(path, output=tmp_path / name)
        _check_written(tmp_path / name)


def test_nan_imagej_spacing_and_zarr_scale_are_dropped(gray_model, tmp_path):
    ij = tmp_path / "ij.tif"
    tifffile.imwrite(ij, noisy((2, 32, 32)), imagej=True,
                     metadata={"axes": "ZYX", "spacing": math.nan, "unit": "um"})
    z = zarr.create_array(tmp_path / "in.zarr", shape=(2, 32, 32), dtype="float32",
                          attributes={"axes": "ZYX", "napari_sdap": {"scale": {"Z": math.nan,
                                                                               "X": -1}}})
    z[:] = noisy((2, 32, 32))
    for k, (path, dropped) in enumerate(((ij, "Z"), (tmp_path / "in.zarr", "ZX"))):
        with open_image(path) as src:
            assert not set(dropped) & set(src.scale), src.scale
        gray_model.denoise(path, output=tmp_path / f"out{k}.ome.zarr")
        _check_written(tmp_path / f"out{k}.ome.zarr")


# --- compressed TIFFs and imagecodecs --------------------------------------------

@pytest.fixture
def no_imagecodecs(monkeypatch):
    """tifffile as it behaves without imagecodecs: codec lookups raise its KeyError."""
    table = tifffile.TIFF.DECOMPRESSORS
    monkeypatch.setattr(table, "_codecs", {1: table[1]})
    monkeypatch.setattr(tifffile.tifffile, "imagecodecs", None)


@pytest.mark.parametrize("compression", ["lzw", "jpeg"])
def test_missing_imagecodecs_is_named(gray_model, tmp_path, compression, request):
    needs("imagecodecs", "core")  # to write the file
    path = tmp_path / f"{compression}.tif"
    tifffile.imwrite(path, (noisy((2, 32, 32)) * 200).astype("uint8"), compression=compression)
    request.getfixturevalue("no_imagecodecs")
    for run in (lambda: open_image(path), lambda: gray_model.denoise(path)):
        with pytest.raises(InputError, match=r"imagecodecs.*pip install imagecodecs") as err:
            run()
        assert "truncated" not in str(err.value) and compression.upper() in str(err.value)


@pytest.mark.parametrize("compression", ["lzw", "zstd", "jpeg"])
def test_compressed_tiffs_read_with_imagecodecs(tmp_path, compression):
    needs("imagecodecs", "core")
    data = (noisy((3, 32, 32)) * 200).astype("uint8")
    tifffile.imwrite(tmp_path / "c.tif", data, compression=compression,
                     predictor=compression == "lzw", photometric="minisblack")
    with open_image(tmp_path / "c.tif") as src:
        read = np.asarray(src.array[:])
    if compression == "jpeg":  # lossy: close, not equal
        assert read.shape == data.shape and np.abs(read.astype(int) - data).mean() < 8
    else:
        np.testing.assert_array_equal(read, data)
