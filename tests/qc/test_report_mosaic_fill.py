"""The quality check of a stitched mosaic (or a registered stack) whose zero fill covers part of
the image: no noise there, so the model's curve reads about 0 at the fill's level, and the
output's smallest departure there (a tenth of a grey level) was taken for structure taken out
at every fill pixel, and for a biased band."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import smooth_image

SIGMA = 0.05


@pytest.fixture(name="model", scope="module")
def model_fixture():
    """A tiny model with the curve a mosaic gives: no noise at 0 (the fill), SIGMA above."""
    from napari_sdap.api import create_model
    from napari_sdap.infer.noise_model import NoiseCurve
    from napari_sdap.model.normalize import Normalization

    model = create_model("tiny", width=8, blocks=1)
    model.normalization = Normalization(low=[0.0], high=[1.0])
    model.noise_curve = NoiseCurve(levels=[[[0.0, 0.2, 1.0]]],
                                   variance=[[[1e-9, SIGMA**2, SIGMA**2]]])
    return model


def _mosaic():
    clean = (0.3 + 0.5 * smooth_image((128, 128))).astype(np.float32)
    noisy = clean + np.random.default_rng(1).normal(0, SIGMA, clean.shape).astype(np.float32)
    clean[:, 80:] = 0.0
    noisy[:, 80:] = 0.0  # the fill, outside the acquired tiles
    out = clean.copy()
    out[:, 80:] = 1e-3  # what a network leaves there
    return noisy, out


def test_a_fill_is_not_structure_taken_out(model):
    from napari_sdap.api import quality_report

    noisy, out = _mosaic()
    report = quality_report(noisy, out, model=model, device="cpu")
    assert report.structure_fraction < 0.01
    codes = {f.code for f in report.flags}
    assert not codes & {"structure_removed", "band_structure", "band_bias"}, report.summary()
    assert min(b.level for b in report.bands) > 0.2


def test_structure_taken_out_beside_a_fill_is_still_found(model):
    from scipy.ndimage import gaussian_filter

    from napari_sdap.api import quality_report

    noisy, out = _mosaic()
    out[:, :80] = gaussian_filter(noisy, 3)[:, :80] - 0.2  # blurred and shifted: not noise
    report = quality_report(noisy, out, model=model, device="cpu")
    assert report.structure_fraction > 0.5  # of the pixels holding a measurement
    assert "structure_removed" in {f.code for f in report.flags}
