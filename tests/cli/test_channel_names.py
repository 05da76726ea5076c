"""`napari-sdap denoise` keeps the names of an input's channels (regression: OME-TIFF, ImageJ
and OME-Zarr inputs with named channels gave outputs without names)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from napari_sdap.cli import main
from napari_sdap.io.readers import open_image

NAMES = ["DAPI", "GFP"]


@pytest.fixture(scope="module", name="two_channel_model")
def two_channel_model_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained on a 2-channel CYX image, saved once for this module."""
    import napari_sdap

    img = np.random.default_rng(0).poisson(30, (2, 32, 32)).astype(np.float32)
    model = napari_sdap.train(img, axes="CYX", preset="tiny", steps=2, width=8, blocks=1,
                              student=False, device="cpu")
    path = tmp_path_factory.mktemp("model") / "two.safetensors"
    model.save(path)
    return path


def _inputs(raw: Path) -> None:
    img = np.random.default_rng(1).poisson(30, (2, 32, 32)).astype(np.float32)
    tifffile.imwrite(raw / "ome.ome.tif", img, metadata={"axes": "CYX",
                                                          "Channel": {"Name": NAMES}})
    tifffile.imwrite(raw / "ij.tif", img, imagej=True, metadata={"axes": "CYX",
                                                                 "Labels": NAMES})
    group = zarr.open_group(raw / "z.ome.zarr", mode="w", zarr_format=3)
    group.create_array("0", data=img)
    axes = [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"},
            {"name": "x", "type": "space"}]
    group.attrs["ome"] = {"version": "0.5", "multiscales": [{"axes": axes, "datasets": [
        {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 1, 1]}]}]}],
        "omero": {"channels": [{"label": n, "color": "FFFFFF"} for n in NAMES]}}


@pytest.mark.parametrize("fmt", ["tif", "zarr"])
def test_denoised_outputs_keep_the_channel_names(tmp_path, two_channel_model, fmt):
    raw = tmp_path / "raw"
    raw.mkdir()
    _inputs(raw)
    out = tmp_path / "out"
    assert main(["denoise", str(raw), "--model", str(two_channel_model), "--output", str(out),
                 "--device", "cpu", "--format", fmt]) == 0
    suffix = "_sdap.tif" if fmt == "tif" else "_sdap.ome.zarr"
    for stem in ("ome", "ij", "z"):
        with open_image(out / f"{stem}{suffix}") as src:
            assert src.axes == "CYX"
            assert src.metadata.get("channels") == NAMES, stem
    if fmt == "zarr":
        attrs = json.loads((out / f"ij{suffix}" / "zarr.json").read_text())["attributes"]
        assert attrs["ome"]["omero"]["channels"] == [{"label": n} for n in NAMES]
    else:
        with tifffile.TiffFile(out / f"z{suffix}") as tif:  # float32 CYX: ImageJ
            assert tif.imagej_metadata["Labels"] == NAMES


def test_a_name_ending_in_ome_tif_gets_ome_channel_names(tmp_path, two_channel_model):
    """The Python API's file outputs take the same route: an `.ome.tif` output holds them
    as OME-XML `Channel Name`s."""
    from napari_sdap.api import load_model

    raw = tmp_path / "raw"
    raw.mkdir()
    _inputs(raw)
    model = load_model(two_channel_model)
    model.denoise(raw / "ij.tif", output=tmp_path / "out.ome.tif", device="cpu")
    with tifffile.TiffFile(tmp_path / "out.ome.tif") as tif:
        channels = tifffile.xml2dict(tif.ome_metadata)["OME"]["Image"]["Pixels"]["Channel"]
        assert [c["Name"] for c in channels] == NAMES


@pytest.mark.parametrize("fmt", ["tif", "zarr"])
def test_a_single_channel_keeps_its_name_in_every_format(tmp_path, fmt):
    """Regression: a YX or ZYX OME-TIFF's one Channel Name was dropped from `.tif` (ImageJ)
    outputs; every output now names it, and its provenance records it."""
    import napari_sdap

    rng = np.random.default_rng(2)
    raw = tmp_path / "raw"
    raw.mkdir()
    img = rng.poisson(30, (32, 32)).astype(np.uint16)
    tifffile.imwrite(raw / "yx.ome.tif", img, metadata={"axes": "YX", "Channel": {"Name": "Solo"}})
    tifffile.imwrite(raw / "zyx.ome.tif", np.stack([img] * 3),
                     metadata={"axes": "ZYX", "Channel": {"Name": "Solo"}})
    model = napari_sdap.train(img.astype(np.float32), axes="YX", preset="tiny", steps=2, width=8,
                              blocks=1, student=False, device="cpu")
    model.save(tmp_path / "m.safetensors")
    out = tmp_path / "out"
    assert main(["denoise", str(raw), "--model", str(tmp_path / "m.safetensors"), "--output",
                 str(out), "--device", "cpu", "--format", fmt]) == 0
    suffix = "_sdap.tif" if fmt == "tif" else "_sdap.ome.zarr"
    for stem in ("yx", "zyx"):
        path = out / f"{stem}{suffix}"
        with open_image(path) as src:
            assert src.metadata.get("channels") == ["Solo"], stem
        if fmt == "tif":
            with tifffile.TiffFile(path) as tif:
                assert tif.is_imagej
                record = json.loads(tif.imagej_metadata["Info"])
        else:
            record = zarr.open_group(path, mode="r").attrs["napari_sdap"]["metadata"]
        assert record["input"]["metadata"]["channels"] == ["Solo"], stem
