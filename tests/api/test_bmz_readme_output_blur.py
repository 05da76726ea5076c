"""The package README's Training section gave the model's line "then the output blurred by 2 px"
for packages that run no blur: one exported in another mode than the blur was chosen for
(`bsn` of an `sdap_e` model), or of a model with the detail restore off; the steps listed
above it (and the package's module, and `denoise`) rightly had none. The line says so."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap

pytest.importorskip("bioimageio.spec", reason="bioimage.io export needs the [bmz] extra")


@pytest.fixture(scope="module", name="model")
def model_fixture():
    img = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    m = napari_sdap.train(img, preset="tiny", steps=1, width=8, blocks=1, batch_size=2,
                          patch_size=32, stride=2, student=False, device="cpu")
    m.noise_curve = m.noise_curve.model_copy(update={"blur": 1.0, "blur_mode": "sdap_e"})
    return m


def _detail_line(model, mode):
    from napari_sdap.api.bmz.build import Exported
    from napari_sdap.api.bmz.readme import readme_text

    ex = Exported(model, mode)
    text = readme_text(ex, "test", {"torchscript": 0.0}, {})
    return ex, next(t for t in text.splitlines() if t.startswith("- detail restore"))


@pytest.mark.parametrize(("mode", "restore", "blurs"), [
    ("sdap_e", True, True), ("bsn", True, False), ("sdap", True, False),
    ("sdap_e", False, False)])
def test_the_training_line_says_whether_the_package_blurs(model, mode, restore, blurs):
    model.config.inference = model.config.inference.model_copy(
        update={"restore_detail": restore})
    ex, line = _detail_line(model, mode)
    assert bool(ex.kwargs.get("blur")) is blurs
    assert "output blurred by 1 px" in line
    assert ("runs neither" not in line) is blurs, line
    assert ("without the detail restore" in line) is (not restore)
