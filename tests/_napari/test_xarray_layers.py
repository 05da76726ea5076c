"""A layer holding an xarray DataArray (napari takes one as it is) denoises with its residual."""

from __future__ import annotations

import numpy as np
import pytest
from panel_helpers import denoiser

xr = pytest.importorskip("xarray")


def test_an_xarray_layer_gets_its_result_and_residual(make_napari_viewer, small_image,
                                                       trained_model, wait_idle, tmp_path):
    """Regression: with 'add residual layer' the run ended 'ModuleNotFoundError: No module
    named pyarrow' (dask took the DataArray's difference for a dataframe) after the result was
    written; no residual, and the finished result could not be saved."""
    stack = np.stack([small_image, small_image[::-1], small_image[:, ::-1]])
    viewer = make_napari_viewer()
    viewer.add_image(xr.DataArray(stack, dims=("z", "y", "x")), name="xa")
    denoise = denoiser(viewer, trained_model)
    denoise.residual.setChecked(True)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    result = np.asarray(viewer.layers["xa [SDAP]"].data)
    np.testing.assert_allclose(result, trained_model.denoise(stack, "ZYX", device="cpu"),
                               atol=1e-5)
    residual = np.asarray(viewer.layers["xa [SDAP residual]"].data)
    assert isinstance(residual, np.ndarray) and residual.dtype == np.float32
    np.testing.assert_allclose(residual, stack - result, atol=1e-5)
    assert denoise.save_result(str(tmp_path / "xa.tif")) is not None
