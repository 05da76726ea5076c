"""A model trained further keeps the normalisation of its first training, so the settings that
made it cannot change: `train(image, model=m, low_percentile=5)` used to write 5 into the
model's settings (and every output's provenance) while its normalisation stayed the one
computed at 0.5, so a rerun from the record would normalise otherwise."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import ConfigError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "student": False, "device": "cpu", "stride": 1}


def _noisy() -> np.ndarray:
    rng = np.random.default_rng(0)
    _, xx = np.mgrid[:48, :48]
    return (100 + 50 * np.sin(xx / 5.0) + rng.normal(0, 8, (48, 48))).astype(np.float32)


@pytest.fixture(scope="module")
def model():
    return napari_sdap.train(_noisy(), "YX", steps=1, **TINY)


@pytest.mark.parametrize("setting", [{"low_percentile": 5.0}, {"high_percentile": 99.0},
                                     {"sample_pixels": 5000}])
def test_they_are_refused_and_the_model_is_unchanged(model, setting):
    norm, config = model.normalization.model_dump(), model.config.model_dump()
    with pytest.raises(ConfigError, match=r"normalisation settings \(.*the model's .*\) cannot "
                                          r"change when a model trains further"):
        napari_sdap.train(_noisy(), "YX", model=model, steps=1, **TINY, **setting)
    assert model.config.model_dump() == config and model.normalization.model_dump() == norm


def test_a_new_model_takes_them_and_an_untrained_one_too():
    new = napari_sdap.train(_noisy(), "YX", steps=1, low_percentile=5.0, **TINY)
    assert new.config.normalization.low_percentile == 5.0
    fresh = napari_sdap.create_model("tiny", 1, width=8, blocks=1)
    napari_sdap.train(_noisy(), "YX", model=fresh, steps=1, low_percentile=5.0, **TINY)
    assert fresh.config.normalization.low_percentile == 5.0
    assert fresh.normalization.low[0] == pytest.approx(np.percentile(_noisy(), 5.0), rel=0.05)
