"""Save as..., Save model... and Export refusals name what to do in the panels, not Python's
`overwrite=True` (the panels' methods take none) nor `output='result.zarr'`."""

from __future__ import annotations

import numpy as np
import pytest
from panel_helpers import denoiser

from napari_sdap._napari.panel_hints import for_panels
from napari_sdap._napari.widget_train import TrainWidget


@pytest.mark.parametrize("message", [
    "output /d/x.tif already exists; pass overwrite=True (CLI: --overwrite) to replace it, or "
    "choose another path",
    "model file /d/m.safetensors already exists; choose another name or pass overwrite=True "
    "(CLI train: --overwrite)",
    "/d/m.zip already exists; choose another name or pass overwrite=True (CLI: --overwrite)",
    "a TIFF stores Y and X as the last axes (or Y, X and 2-4 colour channels), but the image's "
    "axes are 'YXZ' (shape (64, 64, 3)); save the image with Y and X as its last axes first "
    "(e.g. numpy.moveaxis), or write a plain .zarr output, which keeps any order (Python API: "
    "output='result.zarr')",
])
def test_the_hints_are_said_for_the_panels(message):
    said = for_panels(message)
    for python in ("overwrite=True", "--overwrite", "Python API", "numpy.moveaxis"):
        assert python not in said, said
    assert "dialog" in said or "OME-Zarr" in said


def test_a_result_stored_y_x_z_is_told_to_go_to_ome_zarr(make_napari_viewer, small_image,
                                                        trained_model, wait_idle, tmp_path,
                                                        errors):
    """Regression: Save as TIFF of a layer labelled (y, x, z) named numpy.moveaxis and the
    Python API's output='result.zarr'; the panel's own OME-Zarr saves it."""
    viewer = make_napari_viewer()
    stack = np.stack([small_image, small_image[::-1], small_image[:, ::-1]], axis=-1)
    viewer.add_image(stack, name="yxz", axis_labels=("y", "x", "z"), rgb=False)
    denoise = denoiser(viewer, trained_model)
    assert denoise.axes.text() == "YXZ"
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    assert denoise.save_result(str(tmp_path / "out.tif")) is None
    text = denoise.status.text()
    assert "OME-Zarr" in text and "Python" not in text and "moveaxis" not in text, text
    assert errors() and "Python" not in errors()[-1]
    saved = denoise.save_result(str(tmp_path / "out.ome.zarr"))
    from napari_sdap.io.readers import open_image

    with open_image(saved) as back:  # stored in OME's order, the same values
        assert back.axes == "ZYX"
        np.testing.assert_array_equal(np.asarray(back.array),
                                      np.moveaxis(np.asarray(viewer.layers["yxz [SDAP]"].data),
                                                  -1, 0))


def test_saving_a_model_or_result_again_from_a_script_names_the_dialog(
        make_napari_viewer, small_image, trained_model, wait_idle, tmp_path):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    train = TrainWidget(viewer)
    train.session.set_model(trained_model, "test")
    train.save_model(str(tmp_path / "m.safetensors"))
    train.save_model(str(tmp_path / "m.safetensors"))
    text = train.status.text()
    assert "already exists" in text and "overwrite=True" not in text and "dialog" in text, text
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    assert denoise.save_result(str(tmp_path / "r.tif")) is not None
    assert denoise.save_result(str(tmp_path / "r.tif")) is None
    text = denoise.status.text()
    assert "already exists" in text and "overwrite=True" not in text and "Save as" in text, text


def test_a_result_of_planes_of_no_kind_is_told_to_go_to_tiff(make_napari_viewer, small_image,
                                                             trained_model, wait_idle,
                                                             tmp_path):
    """Regression: Save as OME-Zarr of an S Y X result (a layer labelled 'sample') named
    '--format tif' and 'a plain .zarr output', neither of which the panel offers."""
    viewer = make_napari_viewer()
    stack = np.stack([small_image, small_image[::-1]])
    viewer.add_image(stack, name="tiles", axis_labels=("sample", "y", "x"))
    denoise = denoiser(viewer, trained_model)
    assert denoise.axes.text() == "SYX"
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    assert denoise.save_result(str(tmp_path / "out.ome.zarr")) is None
    text = denoise.status.text()
    assert "Save as..., TIFF" in text and "--format" not in text and ".zarr output" not in text
    assert denoise.save_result(str(tmp_path / "out.tif")) is not None
