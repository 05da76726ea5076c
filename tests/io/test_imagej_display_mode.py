"""An ImageJ hyperstack shown as a composite (its channels overlaid in colour) came back from
denoising as `mode=grayscale` (tifffile's default), so Fiji showed the result one grey channel
at a time. The input's display mode (and each channel's display range) is kept where the
output has its channels."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

import napari_sdap


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    image = rng.poisson(60, (2, 48, 48)).astype(np.float32)
    return napari_sdap.train(image, "CYX", preset="tiny", steps=2, stride=2, width=8, blocks=1,
                             batch_size=2, patch_size=32, device="cpu", student=False)


def _hyperstack(path, mode):
    data = np.random.default_rng(1).poisson(60, (3, 2, 48, 48)).astype(np.uint16)
    tifffile.imwrite(path, data, imagej=True, resolution=(5.0, 5.0),
                     metadata={"axes": "ZCYX", "unit": "um", "spacing": 0.5, "mode": mode})
    return path


def _mode(path):
    with tifffile.TiffFile(path) as tif:
        assert tif.is_imagej
        return tif.imagej_metadata.get("mode")


@pytest.mark.parametrize("mode", ["composite", "color"])
def test_the_display_mode_of_an_imagej_hyperstack_is_kept(model, tmp_path, mode):
    src = _hyperstack(tmp_path / "in.tif", mode)
    model.denoise(src, output=tmp_path / "out.tif", device="cpu")
    assert _mode(tmp_path / "out.tif") == mode  # was grayscale


def test_a_grayscale_hyperstack_stays_grayscale(model, tmp_path):
    src = _hyperstack(tmp_path / "in.tif", "grayscale")
    model.denoise(src, output=tmp_path / "out.tif", device="cpu")
    assert _mode(tmp_path / "out.tif") == "grayscale"


def test_other_axes_than_the_files_take_no_mode(tmp_path):
    """Read as planes (axes given otherwise), the output has no channels to show so."""
    rng = np.random.default_rng(2)
    model = napari_sdap.train(rng.poisson(60, (48, 48)).astype(np.float32), "YX",
                              preset="tiny", steps=2, stride=2, width=8, blocks=1,
                              batch_size=2, patch_size=32, device="cpu", student=False)
    src = _hyperstack(tmp_path / "in.tif", "composite")
    model.denoise(src, axes="TZYX", output=tmp_path / "out.tif", device="cpu")
    with tifffile.TiffFile(tmp_path / "out.tif") as tif:
        assert tif.imagej_metadata.get("mode") != "composite"


def test_the_display_ranges_of_the_channels_are_kept(model, tmp_path):
    """Each channel's display range (`Ranges`) was dropped: Fiji showed the result with
    ranges of its own. The output is on the input's intensity scale, so they are kept."""
    data = np.random.default_rng(3).poisson(60, (3, 2, 48, 48)).astype(np.uint16)
    src = tmp_path / "in.tif"
    tifffile.imwrite(src, data, imagej=True, metadata={
        "axes": "ZCYX", "mode": "composite", "Ranges": (10.0, 200.0, 0.0, 300.0)})
    model.denoise(src, output=tmp_path / "out.tif", device="cpu")
    with tifffile.TiffFile(tmp_path / "out.tif") as tif:
        assert tuple(tif.imagej_metadata["Ranges"]) == (10.0, 200.0, 0.0, 300.0)


def test_a_single_channel_stacks_display_range_is_kept(tmp_path):
    """Fiji stores a one-channel image's display range as `min` / `max`; it was dropped."""
    rng = np.random.default_rng(4)
    model = napari_sdap.train(rng.poisson(60, (48, 48)).astype(np.float32), "YX",
                              preset="tiny", steps=2, stride=2, width=8, blocks=1,
                              batch_size=2, patch_size=32, device="cpu", student=False)
    src = tmp_path / "in.tif"
    tifffile.imwrite(src, rng.poisson(60, (3, 48, 48)).astype(np.uint16), imagej=True,
                     metadata={"axes": "ZYX", "min": 20.0, "max": 150.0})
    model.denoise(src, output=tmp_path / "out.tif", device="cpu")
    with tifffile.TiffFile(tmp_path / "out.tif") as tif:
        ij = tif.imagej_metadata
    assert (ij.get("min"), ij.get("max")) == (20.0, 150.0)
