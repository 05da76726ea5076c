"""Channel names: read from OME-TIFF, ImageJ and OME-Zarr inputs, written to every output that
holds them, never moved onto another channel (regression: every output lost them)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile
import zarr

from napari_sdap.io.channels import channel_names
from napari_sdap.io.outputs import open_output
from napari_sdap.io.readers import open_image

NAMES = ["DAPI", "488", "Alexa Fluor® 568 <&\"'>"]
"""A name tifffile's own OME reader takes for a number, and one XML and JSON must escape."""


def _names(path):
    with open_image(path) as src:
        return src.metadata.get("channels")


def _write(path, data, axes, channels):
    with open_output(path, data.shape, data.dtype, axes=axes, channels=channels) as sink:
        sink.array[...] = data


def _ome_tiff(path, data, axes, names, **meta):
    tifffile.imwrite(path, data, metadata={"axes": axes, "Channel": {"Name": names}, **meta})


def _ome_zarr(path, data, labels, version="0.5"):
    axes = [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"},
            {"name": "x", "type": "space"}]
    ms = [{"axes": axes, "datasets": [{"path": "0", "coordinateTransformations": [
        {"type": "scale", "scale": [1.0, 0.5, 0.5]}]}]}]
    omero = {"channels": [{"label": v, "color": "FFFFFF"} for v in labels]}
    group = zarr.open_group(path, mode="w", zarr_format=3 if version == "0.5" else 2)
    group.create_array("0", data=data)
    if version == "0.5":
        group.attrs["ome"] = {"version": "0.5", "multiscales": ms, "omero": omero}
    else:
        group.attrs.update(multiscales=[{**ms[0], "version": "0.4"}], omero=omero)


@pytest.mark.parametrize("name", ["out.tif", "out.ome.tif", "out.ome.zarr"])
def test_ome_tiff_channel_names_reach_every_output_that_holds_them(tmp_path, name):
    data = np.random.default_rng(0).random((2, 3, 8, 9)).astype(np.float32)
    _ome_tiff(tmp_path / "in.ome.tif", data, "ZCYX", NAMES, PhysicalSizeX=0.5)
    with open_image(tmp_path / "in.ome.tif") as src:
        assert src.metadata["channels"] == NAMES
        _write(tmp_path / name, data, src.axes, src.metadata["channels"])
    assert _names(tmp_path / name) == NAMES


def test_an_imagej_hyperstack_keeps_its_channel_labels(tmp_path):
    data = np.zeros((2, 3, 8, 9), np.float32)  # ZCYX: planes z0c0 z0c1 z0c2 z1c0 ...
    tifffile.imwrite(tmp_path / "in.tif", data, imagej=True,
                     metadata={"axes": "ZCYX", "Labels": NAMES * 2})
    assert _names(tmp_path / "in.tif") == NAMES
    _write(tmp_path / "out.tif", data, "ZCYX", NAMES)
    with tifffile.TiffFile(tmp_path / "out.tif") as tif:
        assert tif.is_imagej and tif.imagej_metadata["Labels"] == NAMES * 2
    by_plane = [f"{n} z={z}" for z in range(2) for n in NAMES]  # labels of planes, not channels
    tifffile.imwrite(tmp_path / "planes.tif", data, imagej=True,
                     metadata={"axes": "ZCYX", "Labels": by_plane})
    assert _names(tmp_path / "planes.tif") is None


@pytest.mark.parametrize("version", ["0.5", "0.4"])
def test_ome_zarr_labels_are_read_and_written_as_ngff_omero(tmp_path, version):
    data = np.random.default_rng(1).random((3, 8, 9)).astype(np.float32)
    _ome_zarr(tmp_path / "in.ome.zarr", data, [NAMES[0], 5, ""], version)  # a number, empty
    assert _names(tmp_path / "in.ome.zarr") == [NAMES[0], None, None]
    assert _names(tmp_path / "in.ome.zarr" / "0") == [NAMES[0], None, None]  # a level alone
    _write(tmp_path / "out.ome.zarr", data, "CYX", NAMES)
    attrs = json.loads((tmp_path / "out.ome.zarr" / "zarr.json").read_text())["attributes"]
    assert attrs["ome"]["version"] == "0.5"
    assert attrs["ome"]["omero"] == {"channels": [{"label": n} for n in NAMES]}
    for tif in ("out.tif", "out.ome.tif"):
        _write(tmp_path / tif, data, "CYX", _names(tmp_path / "in.ome.zarr"))
        assert _names(tmp_path / tif) == [NAMES[0], None, None]


def test_the_omero_metadata_written_is_valid_ngff_0_5(tmp_path):
    models = pytest.importorskip("ome_zarr_models.v05")
    _write(tmp_path / "out.ome.zarr", np.zeros((2, 3, 8, 9), np.float32), "ZCYX",
           [NAMES[0], None, NAMES[2]])
    image = models.Image.from_zarr(zarr.open_group(tmp_path / "out.ome.zarr", mode="r"))
    assert [c.get("label") for c in image.attributes.ome.model_dump()["omero"]["channels"]] == [
        NAMES[0], None, NAMES[2]]


def test_names_that_do_not_match_the_channels_are_left_out(tmp_path):
    data = np.zeros((3, 8, 9), np.float32)
    _ome_zarr(tmp_path / "two.ome.zarr", data, NAMES[:2])  # 2 labels, 3 channels
    assert _names(tmp_path / "two.ome.zarr") is None
    _ome_tiff(tmp_path / "in.ome.tif", data, "CYX", NAMES)
    with open_image(tmp_path / "in.ome.tif", axes="ZYX") as src:  # the channels read as planes
        assert "channels" not in src.metadata
    for name in ("out.tif", "out.ome.tif", "out.ome.zarr"):  # 3 names, 2 channels: none
        _write(tmp_path / name, data[:2], "CYX", NAMES)
        assert _names(tmp_path / name) is None
    rgb = np.zeros((8, 9, 3), np.uint8)  # OME: one channel of 3 samples, not 3 channels
    tifffile.imwrite(tmp_path / "rgb.ome.tif", rgb, photometric="rgb",
                     metadata={"axes": "YXS", "Channel": {"Name": "colour"}})
    assert _names(tmp_path / "rgb.ome.tif") is None
    _write(tmp_path / "rgb.tif", rgb, "YXC", NAMES)  # colour samples get no OME names
    assert _names(tmp_path / "rgb.tif") is None


def test_odd_names_are_kept_and_never_break_xml_or_json(tmp_path):
    long = "x" * 20000
    odd = [long, "bell\x07 \ud800end", "tab\tnew\nline"]
    assert channel_names(odd, 3) == [long, "bell end", "tab\tnew\nline"]
    assert channel_names([None, 3, " "], 3) is None
    data = np.zeros((3, 8, 9), np.float32)
    for name in ("out.tif", "out.ome.tif", "out.ome.zarr"):
        _write(tmp_path / name, data, "CYX", odd)
        names = _names(tmp_path / name)
        assert names[0] == long and names[1] == "bell end", name
    json.loads((tmp_path / "out.ome.zarr" / "zarr.json").read_text())  # strict JSON
    with tifffile.TiffFile(tmp_path / "out.ome.tif") as tif:
        tifffile.xml2dict(tif.ome_metadata)  # well-formed XML


@pytest.mark.parametrize("axes, shape", [("YX", (8, 9)), ("ZYX", (3, 8, 9))])
def test_the_name_of_a_single_channel_reaches_every_output(tmp_path, axes, shape):
    """Regression: the one channel of an image without a C axis lost its name in an ImageJ
    `.tif` output; it is now every plane's label there, as in a one-channel stack read."""
    data = np.random.default_rng(2).random(shape).astype(np.float32)
    _ome_tiff(tmp_path / "in.ome.tif", data, axes, ["Solo"])
    assert _names(tmp_path / "in.ome.tif") == ["Solo"]
    for name in ("out.tif", "out.ome.tif", "out.ome.zarr"):
        _write(tmp_path / name, data, axes, ["Solo"])
        assert _names(tmp_path / name) == ["Solo"], name
    with tifffile.TiffFile(tmp_path / "out.tif") as tif:
        labels = tif.imagej_metadata["Labels"]
        assert tif.is_imagej and (labels if isinstance(labels, list) else [labels]) == [
            "Solo"] * (shape[0] if axes == "ZYX" else 1)


def test_a_single_channel_chosen_among_series_keeps_its_name(tmp_path):
    with tifffile.TiffWriter(tmp_path / "two.ome.tif", ome=True) as tif:
        tif.write(np.zeros((2, 8, 9), np.uint16),
                  metadata={"axes": "CYX", "Channel": {"Name": ["A", "B"]}})
        tif.write(np.zeros((8, 9), np.uint16), metadata={"axes": "YX", "Channel": {"Name": "Solo"}})
    with open_image(tmp_path / "two.ome.tif", series=1) as src:
        assert src.metadata["channels"] == ["Solo"]
        _write(tmp_path / "out.tif", np.zeros((8, 9), np.uint16), src.axes, ["Solo"])
    assert _names(tmp_path / "out.tif") == ["Solo"]


def test_imagej_labels_name_channels_only_where_every_plane_is_labelled(tmp_path):
    """Regression: labels for the first two planes of a Z=3, C=2 hyperstack named both
    channels (so every output plane was labelled); a one-channel stack whose planes all carry
    one label is that channel's name, and differing labels name planes."""
    data = np.zeros((3, 2, 8, 9), np.uint16)
    tifffile.imwrite(tmp_path / "short.tif", data, imagej=True,
                     metadata={"axes": "ZCYX", "Labels": ["A", "B"]})
    assert _names(tmp_path / "short.tif") is None
    tifffile.imwrite(tmp_path / "full.tif", data, imagej=True,
                     metadata={"axes": "ZCYX", "Labels": ["A", "B"] * 3})
    assert _names(tmp_path / "full.tif") == ["A", "B"]
    stack = data[:, 0]
    tifffile.imwrite(tmp_path / "dapi.tif", stack, imagej=True,
                     metadata={"axes": "ZYX", "Labels": ["DAPI"] * 3})
    assert _names(tmp_path / "dapi.tif") == ["DAPI"]
    tifffile.imwrite(tmp_path / "one.tif", stack[0], imagej=True,
                     metadata={"axes": "YX", "Labels": ["DAPI"]})
    assert _names(tmp_path / "one.tif") == ["DAPI"]
    for labels in (["z0", "z1", "z2"], ["DAPI"]):  # planes named one by one; too few labels
        tifffile.imwrite(tmp_path / "planes.tif", stack, imagej=True,
                         metadata={"axes": "ZYX", "Labels": labels})
        assert _names(tmp_path / "planes.tif") is None, labels
