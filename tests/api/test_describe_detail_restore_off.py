"""`napari-sdap info` (and the package README) of a model with the detail restore off said
"detail restore off (restore_detail=False): ...; then the output blurred by 2 px", while the
output blur and mix run with the restore only (`SDAPModel.refine`): nothing is blurred. The
line says they go with the restore on only."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap


@pytest.fixture(scope="module", name="model")
def model_fixture():
    img = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    m = napari_sdap.train(img, preset="tiny", steps=1, width=8, blocks=1, batch_size=2,
                          patch_size=32, stride=2, student=False, device="cpu")
    m.noise_curve = m.noise_curve.model_copy(update={"blur": 1.0, "blur_mode": "sdap_e"})
    return m


@pytest.mark.parametrize("restore", [True, False])
def test_the_blur_is_said_to_need_the_restore(model, restore):
    model.config.inference = model.config.inference.model_copy(
        update={"restore_detail": restore})
    line = model.describe_detail()
    assert "output blurred by 1 px" in line
    assert ("with the restore on only" in line) is (not restore), line
    blurs = model.refine(None, "sdap_e").blur
    assert bool(blurs) is restore
