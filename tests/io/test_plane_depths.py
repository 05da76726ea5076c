"""An OME-TIFF z-stack taken from the top down (plane positions 33, 31.5, 30 um with a Z size of
1.5 um) was written with plane positions rising from the first (33, 34.5, 36): the output
claimed the stack lay above where it was taken. The planes' own positions are kept in an
OME-TIFF output; an ImageJ TIFF, which holds one origin and step, says it cannot keep them."""

from __future__ import annotations

import logging
import re

import numpy as np
import pytest
import tifffile

import napari_sdap


@pytest.fixture(scope="module")
def model():
    image = np.random.default_rng(0).poisson(60, (48, 48)).astype(np.float32)
    return napari_sdap.train(image, "YX", preset="tiny", steps=2, stride=2, width=8, blocks=1,
                             batch_size=2, patch_size=32, device="cpu", student=False)


def _stack(path, depths, unit="µm"):
    data = np.random.default_rng(1).poisson(60, (2, 3, 48, 48)).astype(np.uint16)
    tifffile.imwrite(path, data, metadata={
        "axes": "TZYX", "PhysicalSizeX": 0.2, "PhysicalSizeY": 0.2, "PhysicalSizeZ": 1.5,
        "Plane": {"PositionX": [10.0] * 6, "PositionY": [20.0] * 6, "PositionZ": depths * 2,
                  "PositionZUnit": [unit] * 6}})
    return path


def _depths(path):
    with tifffile.TiffFile(path) as tif:
        return [float(z) for z in re.findall(r'<Plane [^>]*PositionZ="([^"]+)"',
                                             tif.ome_metadata)]


def test_a_stack_taken_from_the_top_down_keeps_its_depths(model, tmp_path):
    src = _stack(tmp_path / "down.ome.tif", [33.0, 31.5, 30.0])
    assert napari_sdap.open_image(src).metadata["plane_z"] == [33.0, 31.5, 30.0]
    model.denoise(src, output=tmp_path / "o.ome.tif", device="cpu")
    assert _depths(tmp_path / "o.ome.tif") == [33.0, 31.5, 30.0] * 2  # was 33, 34.5, 36


def test_depths_in_another_unit_are_converted(model, tmp_path):
    src = _stack(tmp_path / "nm.ome.tif", [33000.0, 31500.0, 30000.0], unit="nm")
    model.denoise(src, output=tmp_path / "o.ome.tif", device="cpu")
    assert _depths(tmp_path / "o.ome.tif") == [33.0, 31.5, 30.0] * 2


def test_evenly_rising_planes_record_nothing_more(model, tmp_path):
    src = _stack(tmp_path / "up.ome.tif", [30.0, 31.5, 33.0])
    assert "plane_z" not in napari_sdap.open_image(src).metadata
    model.denoise(src, output=tmp_path / "o.ome.tif", device="cpu")
    assert _depths(tmp_path / "o.ome.tif") == [30.0, 31.5, 33.0] * 2


def test_an_imagej_output_says_it_cannot_keep_them(model, tmp_path, caplog):
    src = _stack(tmp_path / "down.ome.tif", [33.0, 31.5, 30.0])
    with caplog.at_level(logging.WARNING):
        model.denoise(src, output=tmp_path / "o.tif", device="cpu")
    assert "planes lie at 33, 31.5, 30" in caplog.text and "ImageJ TIFF" in caplog.text


def test_planes_without_a_z_size_keep_their_depths(model, tmp_path):
    """Without a Z size the output stepped its planes by 1 (30, 31, 32 for 30, 30.5, 31)."""
    data = np.random.default_rng(2).poisson(60, (3, 48, 48)).astype(np.uint16)
    src = tmp_path / "nosize.ome.tif"
    tifffile.imwrite(src, data, metadata={"axes": "ZYX", "PhysicalSizeX": 0.2,
                                          "PhysicalSizeY": 0.2,
                                          "Plane": {"PositionZ": [30.0, 30.5, 31.0]}})
    model.denoise(src, output=tmp_path / "o.ome.tif", device="cpu")
    assert _depths(tmp_path / "o.ome.tif") == [30.0, 30.5, 31.0]
