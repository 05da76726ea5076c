"""A result's place and grey levels survive the cache store and "Save as...": the layer's
translate is written (OME-Zarr translation, OME-TIFF plane positions), and a float64 result (an
image float32 cannot resolve, e.g. uint32 near 4e9) is saved as float64, not as a few levels;
its residual is taken in float64 (not off float32's steps of 256)."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
import zarr
from panel_helpers import denoiser


def _transforms(path):
    attrs = dict(zarr.open_group(str(path), mode="r").attrs)
    multiscales = (attrs.get("ome") or attrs)["multiscales"]
    return {t["type"]: t[t["type"]]
            for t in multiscales[0]["datasets"][0]["coordinateTransformations"]}


@pytest.fixture
def wide_result(make_napari_viewer, small_image, wait_idle):
    """A Denoise panel whose last result is of a uint32 image near 4e9 (a float64 result),
    shown with a translate, a pixel size and a unit."""
    import napari_sdap

    image = (4e9 + small_image.astype(np.float64) * 100).astype(np.uint32)
    model = napari_sdap.train(image, "YX", preset="tiny", steps=2, stride=2, width=8, blocks=1,
                              batch_size=2, patch_size=32, device="cpu")
    viewer = make_napari_viewer()
    viewer.add_image(image, name="w", translate=(7, 9), scale=(0.5, 0.5), units="um")
    denoise = denoiser(viewer, model)
    denoise.picker.setCurrentText("w")
    denoise.residual.setChecked(True)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    return denoise


def test_the_cache_store_lies_where_the_layer_lies(wide_result):
    assert _transforms(wide_result.meta["store"]) == {"scale": [0.5, 0.5],
                                                      "translation": [7.0, 9.0]}
    assert tuple(wide_result.out_layer.translate) == (7, 9)


def test_save_as_keeps_the_place_and_the_grey_levels(wide_result, tmp_path):
    shown = np.asarray(wide_result.out_layer.data)
    assert shown.dtype == np.float64 and len(np.unique(shown)) > 20
    saved = wide_result.save_result(str(tmp_path / "r.ome.zarr"))
    assert _transforms(saved)["translation"] == [7.0, 9.0]
    level0 = zarr.open_group(str(saved), mode="r")["0"]
    assert level0.dtype == np.float64
    np.testing.assert_array_equal(level0[:], shown)  # was float32: one grey level
    tif = wide_result.save_result(str(tmp_path / "r.tif"))
    np.testing.assert_array_equal(tifffile.imread(tif), shown)
    with tifffile.TiffFile(tif) as f:
        plane = f.ome_metadata.split("<Plane ")[1]
    assert 'PositionX="9.0"' in plane and 'PositionY="7.0"' in plane


def test_the_residual_of_a_float64_result_keeps_the_noise(wide_result):
    image = wide_result.viewer.layers["w"].data.astype(np.float64)
    shown = np.asarray(wide_result.out_layer.data)
    residual = np.asarray(wide_result.viewer.layers["w [SDAP residual]"].data)
    np.testing.assert_allclose(residual, image - shown, atol=1e-6)  # was off by up to 128


def test_a_flipped_layer_keeps_its_pixel_size(make_napari_viewer, small_image, trained_model,
                                              wait_idle, tmp_path):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="f", scale=(-0.5, 0.25), units="um")  # Y shown flipped
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    assert _transforms(denoise.meta["store"])["scale"] == [0.5, 0.25]  # Y was dropped: 1 px
    saved = denoise.save_result(str(tmp_path / "f.ome.zarr"))
    assert _transforms(saved)["scale"] == [0.5, 0.25]


def test_save_as_says_a_rotation_is_not_in_the_file(wide_result, tmp_path):
    """TIFF and OME-Zarr hold pixel sizes and positions only: a rotated result is saved, and
    the panel says the rotation is not in the file (it was lost without a word)."""
    from napari_sdap._napari.results import unsaved_transform

    assert unsaved_transform(wide_result.out_layer) is None
    wide_result.save_result(str(tmp_path / "plain.tif"))
    assert "not in the file" not in wide_result.status.text()
    wide_result.out_layer.rotate = 30
    wide_result.save_result(str(tmp_path / "turned.tif"))
    assert "its rotation is not in the file" in wide_result.status.text()
    wide_result.out_layer.rotate = 0
    wide_result.out_layer.shear = [0.2]
    assert "shear" in unsaved_transform(wide_result.out_layer)
