"""A TIFF of three fluorescence channels stored as samples of each pixel (photometric
`minisblack`, contiguous: what tifffile writes for a 16-bit Y x X x 3 array) came out labelled
RGB (photometric `rgb`): viewers showed the channels as a colour photograph. The output keeps
the input's `minisblack`; a colour picture stays RGB."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

import napari_sdap


def _samples(path, photometric, count=3):
    data = np.random.default_rng(0).poisson(60, (48, 48, count)).astype(np.uint16)
    tifffile.imwrite(path, data, photometric=photometric, planarconfig="contig")
    return path


@pytest.fixture(scope="module")
def model():
    data = np.random.default_rng(1).poisson(60, (48, 48, 3)).astype(np.float32)
    return napari_sdap.train(data, "YXC", preset="tiny", steps=2, stride=2, width=8, blocks=1,
                             batch_size=2, patch_size=32, device="cpu", student=False)


def _photometric(path):
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        return int(page.photometric), int(page.samplesperpixel)


def test_channels_stored_as_samples_stay_minisblack(model, tmp_path):
    src = _samples(tmp_path / "three.tif", "minisblack")
    model.denoise(src, output=tmp_path / "out.tif", device="cpu")
    assert _photometric(tmp_path / "out.tif") == (1, 3)  # was (2, 3): RGB
    again = napari_sdap.open_image(tmp_path / "out.tif")
    assert again.axes == "YXC" and again.metadata.get("photometric") == "minisblack"


def test_a_colour_picture_stays_rgb(model, tmp_path):
    src = _samples(tmp_path / "rgb.tif", "rgb")
    model.denoise(src, output=tmp_path / "out.tif", device="cpu")
    assert _photometric(tmp_path / "out.tif") == (2, 3)


def test_four_channels_as_samples_get_no_alpha(tmp_path):
    """Four minisblack samples are four channels: written minisblack, with no alpha sample
    (independent channels, so the colour model's alpha rule does not apply)."""
    rng = np.random.default_rng(2)
    model = napari_sdap.train(rng.poisson(60, (48, 48, 4)).astype(np.float32), "YXC",
                              preset="tiny", steps=2, stride=2, width=8, blocks=1,
                              batch_size=2, patch_size=32, device="cpu", student=False,
                              channel_mode="independent")
    src = _samples(tmp_path / "four.tif", "minisblack", 4)
    model.denoise(src, output=tmp_path / "out.tif", device="cpu")
    assert _photometric(tmp_path / "out.tif") == (1, 4)
    with tifffile.TiffFile(tmp_path / "out.tif") as tif:
        extra = tif.pages[0].extrasamples
    assert 2 not in tuple(int(e) for e in extra)  # no unassociated alpha
