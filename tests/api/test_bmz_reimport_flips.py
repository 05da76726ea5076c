"""A package read back denoises as the package does, also for a model set to average flips.

The package runs one pass (docs/bmz.md: averaging over flips is not exported, and its test
output is made without it), but the model file attached to it kept `inference.flips` of the
exported model: `load_model("cells.zip")` of a model set to `flips=4` denoised with four
flips, up to 0.6 noise std away from the package's own output.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import napari_sdap

pytest.importorskip("bioimageio.spec")


def test_a_package_of_a_flips_model_loads_back_in_one_pass(tmp_path):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:64, :64]
    img = (0.5 + 0.3 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
           + rng.normal(0, 0.1, (64, 64))).astype(np.float32)
    model = napari_sdap.train(img, "YX", preset="tiny", steps=3, width=8, blocks=1,
                              stride=1, student=False, device="cpu", flips=4)
    assert model.config.inference.flips == 4
    path = model.export_bmz(tmp_path / "m.zip", sample=img, authors=["A B"])
    assert model.config.inference.flips == 4  # (the model itself is left as it is)
    with zipfile.ZipFile(path) as z:
        x = np.load(io.BytesIO(z.read("test_input.npy")))
        y = np.load(io.BytesIO(z.read("test_output.npy")))
    back = napari_sdap.load_model(path)
    assert back.config.inference.flips == 1  # (was 4)
    got = back.denoise(x[0, 0], "YX", device="cpu")
    np.testing.assert_allclose(got, y[0, 0], atol=1e-4)  # (was off by up to 0.6 noise std)
