"""A training further refused before its first step leaves the model as it was.

`train(image, model=m, stride=2, ...)` refused (an image on another intensity scale, a device
that is not there, a validation band that does not fit) used to keep the refused call's
settings in the model and forget the file it was loaded from: a stride-1 model then denoised
with mode `sdap_e` instead of `bsn` (another output) and its outputs named no model file.
"""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import DeviceError, InputError


def _noisy(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:64, :64]
    clean = 100 + 80 * np.sin(xx / 6.0) * np.cos(yy / 9.0)
    return np.clip(np.round(clean + rng.normal(0, 8, clean.shape)), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    m = napari_sdap.train(_noisy(), "YX", preset="tiny", steps=2, width=8, blocks=1,
                          stride=1, student=False, device="cpu")
    return m.save(tmp_path_factory.mktemp("m") / "m.safetensors")


@pytest.mark.parametrize("image, settings, error", [
    (_noisy(1).astype(np.float32) * 257, {}, InputError),  # another intensity scale
    (_noisy(1), {"device": "cuda:7"}, DeviceError),
    (_noisy(1), {"validation": 0.9}, InputError),
], ids=["other-scale", "missing-device", "validation-too-large"])
def test_a_refused_continuation_changes_nothing(model_file, image, settings, error):
    model = napari_sdap.load_model(model_file)
    config, source = model.config.model_dump(), model.source
    record, norm = model.record.model_dump(), model.normalization.model_dump()
    before = model.denoise(_noisy(), device="cpu")
    assert model.resolve_mode() == "bsn"
    with pytest.raises(error):
        napari_sdap.train(image, "YX", model=model, steps=3, stride=2, patch_size=32,
                          learning_rate=0.01, **settings)
    assert model.config.model_dump() == config  # (was: stride 2, patch 32, 3 steps ...)
    assert model.source == source  # (was: None, so outputs named no model file)
    assert model.record.model_dump() == record
    assert model.normalization.model_dump() == norm
    assert model.resolve_mode() == "bsn"  # (was: sdap_e)
    np.testing.assert_array_equal(model.denoise(_noisy(), device="cpu"), before)


def test_a_continuation_that_ran_keeps_its_settings(model_file):
    model = napari_sdap.load_model(model_file)
    napari_sdap.train(_noisy(1), "YX", model=model, steps=1, patch_size=32, device="cpu")
    assert model.config.training.patch_size == 32 and model.record.steps == 3
    assert model.source is None  # trained further: no longer the file
