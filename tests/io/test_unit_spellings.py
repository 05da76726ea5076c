"""Units spelled as real files spell them: an OME-TIFF whose units use the Greek letter mu
(`μm`, U+03BC, which Unicode normalisation makes of OME's micro sign `µm`) kept no pixel size
at all (each was "not a known length unit" and dropped with its size), and an ImageJ TIFF with
ImageJ's uncalibrated unit `pixels` warned three times that it drops sizes."""

from __future__ import annotations

import logging

import numpy as np
import tifffile

import napari_sdap
from napari_sdap.io.units import unit_name

GREEK_MU = "\u03bc"


def _stack():
    return np.random.default_rng(0).poisson(60, (3, 32, 32)).astype(np.uint16)


def test_greek_mu_is_the_micro_sign():
    assert unit_name(f"{GREEK_MU}m") == "micrometer"
    assert unit_name(f"{GREEK_MU}s") == "microsecond"
    assert unit_name("pixels") == "pixel"


def test_an_ome_tiff_in_greek_mu_keeps_its_pixel_sizes(tmp_path, caplog):
    path = tmp_path / "greek.ome.tif"
    tifffile.imwrite(path, np.stack([_stack()] * 2), metadata={
        "axes": "TZYX", "PhysicalSizeX": 0.2, "PhysicalSizeXUnit": f"{GREEK_MU}m",
        "PhysicalSizeY": 0.2, "PhysicalSizeYUnit": f"{GREEK_MU}m",
        "PhysicalSizeZ": 0.5, "PhysicalSizeZUnit": f"{GREEK_MU}m",
        "TimeIncrement": 250.0, "TimeIncrementUnit": f"{GREEK_MU}s"})
    with caplog.at_level(logging.WARNING):
        src = napari_sdap.open_image(path)
    assert src.scale == {"X": 0.2, "Y": 0.2, "Z": 0.5, "T": 250.0}  # was {}
    assert src.units == {"X": "micrometer", "Y": "micrometer", "Z": "micrometer",
                         "T": "microsecond"}
    assert "not a known" not in caplog.text


def test_imagej_pixels_is_no_unit_without_a_warning(tmp_path, caplog):
    path = tmp_path / "pixels.tif"
    tifffile.imwrite(path, _stack(), imagej=True, resolution=(1.0, 1.0),
                     metadata={"axes": "ZYX", "unit": "pixels", "spacing": 1.0})
    with caplog.at_level(logging.WARNING):
        src = napari_sdap.open_image(path)
    assert src.units == {}
    assert "not a known" not in caplog.text  # was three warnings of dropped sizes
