"""A grey TIFF stored with 0 as white (`miniswhite`, as ImageJ saves an image shown with an
inverting LUT, and as some scanners and EM software write) was denoised into a `minisblack`
TIFF: the same values, read the other way round, so every viewer showed the result as the
negative of the input. The output keeps the input's photometric interpretation."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

import napari_sdap


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    image = (120 + 40 * np.sin(np.arange(48) / 6)[None, :] + rng.normal(0, 8, (48, 48)))
    return napari_sdap.train(image.astype(np.float32), "YX", preset="tiny", steps=2, width=8,
                             blocks=1, batch_size=2, patch_size=32, student=False,
                             device="cpu")


def _image(tmp_path, photometric, **kw):
    rng = np.random.default_rng(1)
    data = (120 + rng.normal(0, 8, (48, 48))).clip(0, 255).astype(np.uint8)
    path = tmp_path / f"in_{photometric}.tif"
    tifffile.imwrite(path, data, photometric=photometric, **kw)
    return path


@pytest.mark.parametrize("kw", [{}, {"imagej": True}, {"ome": True}])
@pytest.mark.parametrize("photometric", ["miniswhite", "minisblack"])
def test_the_output_keeps_the_input_photometric(model, tmp_path, photometric, kw):
    path = _image(tmp_path, photometric, **kw)
    out = tmp_path / "out.tif"
    model.denoise(str(path), output=str(out), device="cpu")
    with tifffile.TiffFile(out) as tif:
        assert tif.pages[0].photometric.name == photometric.upper()
        result = tif.asarray()
    np.testing.assert_array_equal(result, model.denoise(tifffile.imread(path), device="cpu"))
