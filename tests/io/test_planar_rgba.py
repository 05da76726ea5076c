"""RGBA TIFFs stored plane by plane (planar configuration 2) read as RGBA, like contiguous
ones: alpha passes through untouched instead of being denoised as a fourth channel."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from napari_sdap.api import train
from napari_sdap.io.readers import open_image


@pytest.fixture
def rgba(tmp_path):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:48, 0:48]
    colour = np.stack([100 + 60 * np.sin(yy / (5 + k)) for k in range(3)])
    colour = np.clip(colour + rng.normal(0, 15, colour.shape), 0, 255)
    alpha = np.where(xx > 20, 255, 0)[None]
    planes = np.concatenate([colour, alpha]).astype(np.uint8)  # (4, Y, X)
    path = tmp_path / "planar.tif"
    tifffile.imwrite(path, planes, photometric="rgb", planarconfig="separate",
                     extrasamples=["unassalpha"])
    return path, np.moveaxis(planes, 0, -1)


def test_planar_rgba_reads_as_rgba(rgba):
    path, pixels = rgba
    with open_image(path) as src:
        assert src.axes == "YXC" and src.shape == (48, 48, 4)
        np.testing.assert_array_equal(np.asarray(src.array[:]), pixels)
        np.testing.assert_array_equal(np.asarray(src.array[5:9, 1:30, 3]), pixels[5:9, 1:30, 3])
    with open_image(path, "CYX") as src:  # axes given: the file's own order
        assert src.axes == "CYX" and src.shape == (4, 48, 48)


def test_planar_rgba_alpha_passes_through(rgba, tmp_path):
    path, pixels = rgba
    model = train(path, preset="tiny", steps=2, width=8, blocks=1, stride=2, device="cpu",
                  student=False)
    assert model.config.network.in_channels == 3  # the colour channels only
    model.denoise(path, output=tmp_path / "out.tif")
    result = tifffile.imread(tmp_path / "out.tif")
    assert result.shape == (48, 48, 4)
    np.testing.assert_array_equal(result[..., 3], pixels[..., 3])
    assert tifffile.imread(path).shape == (4, 48, 48)  # the input untouched
