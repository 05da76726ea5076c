"""Channel colours were lost in every output: an OME-TIFF's `Channel Color`, an OME-Zarr's
`omero.channels[].color` and an ImageJ hyperstack's lookup tables came back uncoloured (a
multichannel ImageJ output shown grey). They go with the channel names: where the output has
the input's channels, as OME `Color`, `omero` `color` and ImageJ lookup tables (an OME input's
coloured channels shown as a composite)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import tifffile
import zarr

import napari_sdap

RED, GREEN = -16776961, 16711935  # OME's signed RGBA: FF0000FF, 00FF00FF


@pytest.fixture(scope="module")
def model():
    image = np.random.default_rng(0).poisson(60, (2, 48, 48)).astype(np.float32)
    return napari_sdap.train(image, "CYX", preset="tiny", steps=2, stride=2, width=8, blocks=1,
                             batch_size=2, patch_size=32, device="cpu", student=False)


def _stack(axes="ZCYX"):
    shape = {"ZCYX": (2, 2, 48, 48), "CZYX": (2, 2, 48, 48)}[axes]
    return np.random.default_rng(1).poisson(60, shape).astype(np.uint16)


def _ome(path, axes="ZCYX"):
    tifffile.imwrite(path, _stack(axes), metadata={
        "axes": axes, "Channel": {"Name": ["DAPI", "GFP"], "Color": [RED, GREEN]}})
    return path


def _colours_in_ome_xml(path):
    with tifffile.TiffFile(path) as tif:
        return [int(c) for c in re.findall(r'<Channel [^>]*Color="(-?\d+)"', tif.ome_metadata)]


def test_an_ome_tiffs_colours_reach_every_output(model, tmp_path):
    src = _ome(tmp_path / "in.ome.tif", "CZYX")
    assert napari_sdap.open_image(src).metadata["colours"] == ["FF0000", "00FF00"]
    model.denoise(src, output=tmp_path / "o.ome.tif", device="cpu")
    assert _colours_in_ome_xml(tmp_path / "o.ome.tif") == [RED, GREEN]  # was []
    model.denoise(src, output=tmp_path / "o.ome.zarr", device="cpu")
    omero = zarr.open_group(str(tmp_path / "o.ome.zarr"), mode="r").attrs["ome"]["omero"]
    assert omero["channels"] == [{"label": "DAPI", "color": "FF0000"},
                                 {"label": "GFP", "color": "00FF00"}]


def test_an_imagej_output_gets_lookup_tables_and_a_composite(model, tmp_path):
    src = _ome(tmp_path / "in.ome.tif", "ZCYX")
    model.denoise(src, output=tmp_path / "o.tif", device="cpu")
    with tifffile.TiffFile(tmp_path / "o.tif") as tif:
        ij = tif.imagej_metadata
    assert [lut[:, -1].tolist() for lut in ij["LUTs"]] == [[255, 0, 0], [0, 255, 0]]
    assert ij["mode"] == "composite"


def test_imagej_lookup_tables_and_omero_colours_are_read_back(model, tmp_path):
    ramp, zero = np.arange(256, dtype=np.uint8), np.zeros(256, np.uint8)
    src = tmp_path / "ij.tif"
    tifffile.imwrite(src, _stack(), imagej=True, metadata={
        "axes": "ZCYX", "mode": "grayscale", "LUTs": [np.stack([zero, zero, ramp]),
                                                      np.stack([ramp, zero, ramp])]})
    model.denoise(src, output=tmp_path / "o.tif", device="cpu")
    out = napari_sdap.open_image(tmp_path / "o.tif")
    assert out.metadata["colours"] == ["0000FF", "FF00FF"]
    with tifffile.TiffFile(tmp_path / "o.tif") as tif:
        assert tif.imagej_metadata["mode"] == "grayscale"  # the input's own mode is kept
    model.denoise(src, output=tmp_path / "o2.ome.zarr", device="cpu")
    again = napari_sdap.open_image(tmp_path / "o2.ome.zarr")
    assert again.metadata["colours"] == ["0000FF", "FF00FF"]


def test_other_axes_or_broken_colours_give_none(model, tmp_path):
    src = _ome(tmp_path / "in.ome.tif", "CZYX")
    opened = napari_sdap.open_image(src, axes="TZYX")  # C read as T: no channels
    assert "colours" not in opened.metadata
    path = tmp_path / "z.ome.zarr"
    model.denoise(src, output=path, device="cpu")
    group = zarr.open_group(str(path), mode="r+")
    ome = json.loads(json.dumps(dict(group.attrs)["ome"]))
    ome["omero"]["channels"][0]["color"] = "red"  # not RRGGBB
    group.attrs["ome"] = ome
    assert napari_sdap.open_image(path).metadata["colours"] == [None, "00FF00"]


def test_one_coloured_channel_goes_both_ways(tmp_path):
    """An image without a C axis is one channel: its colour is a lookup table, read back."""
    image = np.random.default_rng(2).poisson(60, (48, 48)).astype(np.float32)
    grey = napari_sdap.train(image, "YX", preset="tiny", steps=2, stride=2, width=8, blocks=1,
                             batch_size=2, patch_size=32, device="cpu", student=False)
    src = tmp_path / "one.ome.tif"
    tifffile.imwrite(src, _stack()[:, 0], metadata={
        "axes": "ZYX", "Channel": {"Name": ["GFP"], "Color": [GREEN]}})
    grey.denoise(src, output=tmp_path / "o.tif", device="cpu")
    out = napari_sdap.open_image(tmp_path / "o.tif")
    assert out.metadata["colours"] == ["00FF00"] and out.metadata["channels"] == ["GFP"]


def test_an_inverted_lookup_table_gives_no_colour(model, tmp_path):
    """An inverted table (white to black) was read as the colour black and written as a
    black-to-black table: Fiji showed the channel all black."""
    ramp = np.arange(256, dtype=np.uint8)
    inverted = np.stack([ramp[::-1]] * 3)
    src = tmp_path / "inv.tif"
    tifffile.imwrite(src, _stack(), imagej=True, metadata={
        "axes": "ZCYX", "mode": "composite", "LUTs": [inverted, np.stack([ramp] * 3)]})
    assert napari_sdap.open_image(src).metadata["colours"] == [None, "FFFFFF"]
    model.denoise(src, output=tmp_path / "o.tif", device="cpu")
    with tifffile.TiffFile(tmp_path / "o.tif") as tif:
        luts = tif.imagej_metadata.get("LUTs")
    assert luts is None or all(int(np.asarray(lut)[:, -1].max()) > 0 for lut in luts)


def test_black_is_no_colour(model, tmp_path):
    """OME's Color="0" (black, transparent: often a colour never set) hid the channel in an
    ImageJ output (a black-to-black table)."""
    src = tmp_path / "black.ome.tif"
    tifffile.imwrite(src, _stack("ZCYX"), metadata={
        "axes": "ZCYX", "Channel": {"Name": ["a", "b"], "Color": [0, GREEN]}})
    assert napari_sdap.open_image(src).metadata["colours"] == [None, "00FF00"]
