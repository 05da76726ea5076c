"""The package README said mode `sdap` / `sdap_e` runs "pixel-shuffle down-sampling with the
training stride", beside "training stride 1" for a model trained at stride 1 (or a model whose
inference stride was set to 3), while the package's module shuffles with the inference setting
(2, or 3). It names the stride the package uses."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap

pytest.importorskip("bioimageio.spec", reason="bioimage.io export needs the [bmz] extra")


@pytest.fixture(scope="module", name="model")
def model_fixture():
    img = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    return napari_sdap.train(img, preset="tiny", steps=1, width=8, blocks=1, batch_size=2,
                             patch_size=32, stride=1, student=False, device="cpu")


@pytest.mark.parametrize("pd", [2, 3])
@pytest.mark.parametrize("mode", ["sdap", "sdap_e"])
def test_the_readme_names_the_package_stride(model, mode, pd):
    from napari_sdap.api.bmz.build import Exported
    from napari_sdap.api.bmz.readme import readme_text

    model.config.inference = model.config.inference.model_copy(update={"pd_stride": pd})
    ex = Exported(model, mode)
    assert ex.kwargs["pd_stride"] == pd and model.config.training.stride == 1
    text = readme_text(ex, "test", {"torchscript": 0.0}, {})
    line = next(t for t in text.splitlines() if f"mode `{mode}`" in t)
    assert f"stride {pd}" in line and "training stride" not in line, line
