"""An OME-TIFF's image name, acquisition date and description (which sample, taken when, with
what) were dropped from OME-TIFF outputs, which were all named `Image0`; they are kept (and in
every output's provenance record, `input.metadata.image`)."""

from __future__ import annotations

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


def _input(path, **fields):
    data = np.random.default_rng(1).poisson(60, (2, 48, 48)).astype(np.uint16)
    tifffile.imwrite(path, data, metadata={"axes": "ZYX", **fields})
    return path


def _image_element(path):
    with tifffile.TiffFile(path) as tif:
        return re.search(r"<Image [^>]*>.*?<Pixels", tif.ome_metadata).group(0)


def test_name_date_and_description_reach_an_ome_tiff(model, tmp_path):
    src = _input(tmp_path / "in.ome.tif", Name="mouse 3 <liver> & co",
                 AcquisitionDate="2026-11-30T10:11:12", Description="60x oil, 488 nm")
    model.denoise(src, output=tmp_path / "o.ome.tif", device="cpu")
    image = _image_element(tmp_path / "o.ome.tif")
    assert 'Name="mouse 3 &lt;liver&gt; &amp; co"' in image  # was Name="Image0"
    assert "<AcquisitionDate>2026-11-30T10:11:12</AcquisitionDate>" in image
    assert "<Description>60x oil, 488 nm</Description>" in image
    again = napari_sdap.open_image(tmp_path / "o.ome.tif").metadata["image"]
    assert again == {"Name": "mouse 3 <liver> & co", "AcquisitionDate": "2026-11-30T10:11:12",
                     "Description": "60x oil, 488 nm"}


def test_a_date_that_is_not_one_is_left_out(model, tmp_path):
    src = _input(tmp_path / "in.ome.tif", AcquisitionDate="last tuesday")
    assert "AcquisitionDate" not in napari_sdap.open_image(src).metadata.get("image", {})
    model.denoise(src, output=tmp_path / "o.ome.tif", device="cpu")
    assert "AcquisitionDate" not in _image_element(tmp_path / "o.ome.tif")
