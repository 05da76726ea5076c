"""An output of a model applied to an image unlike its training data keeps the warning that was
shown while it ran ("may be worse than the input") in its provenance record: before, the file
read later said nothing of it (the CLI kept it in its run record only)."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
import zarr

import napari_sdap

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 4, "patch_size": 24,
        "steps": 3, "student": False, "device": "cpu"}


@pytest.fixture(scope="module")
def model():
    yy, xx = np.mgrid[:64, :64]
    clean = 100 + 80 * np.sin(xx / 7.0) * np.cos(yy / 9.0)
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 15, clean.shape), 0, 255)
    return napari_sdap.train(noisy.astype(np.uint8), "YX", stride=1, **TINY)


def _weak_noise_image():
    xx = np.mgrid[:64, :64][1]
    rng = np.random.default_rng(4)
    return (60 + 0.5 * xx + rng.normal(0, 1.0, xx.shape)).astype(np.float32)  # 16x weaker


def test_the_warning_is_kept_with_the_output(model, tmp_path):
    model.denoise(_weak_noise_image(), "YX", device="cpu", output=tmp_path / "w.zarr")
    rec = zarr.open_array(str(tmp_path / "w.zarr"), mode="r").attrs["napari_sdap"]["metadata"]
    assert "may be worse than the input" in rec["warning"]
    model.denoise(_weak_noise_image(), "YX", device="cpu", output=tmp_path / "w.tif")
    import json

    info = json.loads(tifffile.TiffFile(tmp_path / "w.tif").imagej_metadata["Info"])
    assert "may be worse than the input" in info["warning"]


def test_an_ordinary_output_has_none(model, tmp_path):
    yy, xx = np.mgrid[:64, :64]
    clean = 100 + 80 * np.sin(xx / 7.0) * np.cos(yy / 9.0)
    other = np.clip(clean + np.random.default_rng(3).normal(0, 15, clean.shape), 0, 255)
    model.denoise(other.astype(np.uint8), "YX", device="cpu", output=tmp_path / "o.zarr")
    rec = zarr.open_array(str(tmp_path / "o.zarr"), mode="r").attrs["napari_sdap"]["metadata"]
    assert rec["warning"] is None
