"""The training loss a new model takes from its noise, unless the user gives one."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import TINY
from synthetic import box2, clipped_photons, smooth_image

from napari_sdap.api import create_model, train


def _photon_frames() -> np.ndarray:
    return clipped_photons()


def _quiet(**extra):
    return {**TINY, "steps": 1, "student": False, "seed": 0, "device": "cpu", **extra}


def test_correlated_photon_noise_trains_with_l2():
    model = train(_photon_frames(), **_quiet())
    assert model.record.noise["stride"] == 2 and model.record.noise["loss"] == "l2"
    assert model.config.training.loss == "l2"


@pytest.mark.parametrize("loss", ["l1", "l2"])
def test_a_given_loss_wins(loss):
    assert train(_photon_frames(), **_quiet(loss=loss)).config.training.loss == loss


def test_stride_by_hand_keeps_the_preset_loss():
    model = train(_photon_frames(), **_quiet(stride=2))
    assert model.record.noise is None and model.config.training.loss == "l1"


def test_symmetric_noise_keeps_l1():
    rng = np.random.default_rng(1)
    noisy = smooth_image((128, 128)) + box2(rng.normal(0, 0.1, (129, 129)))
    model = train(noisy.astype(np.float32), **_quiet())
    assert model.record.noise["stride"] == 2 and model.config.training.loss == "l1"


def test_a_created_model_keeps_its_configured_loss():
    model = create_model(preset="tiny", width=8, blocks=1)  # the network's shape is set here
    model = train(_photon_frames(), model=model, **{k: v for k, v in _quiet().items()
                                                    if k not in ("preset", "width", "blocks")})
    # the record names the loss trained with, not the one the noise would have called for
    assert model.record.noise["skew"] > 0.1 and model.record.noise["dark_clip"]
    assert model.record.noise["loss"] == "l1" and model.config.training.loss == "l1"


def test_the_record_names_the_loss_trained_with():
    from napari_sdap.api import describe_noise

    model = train(_photon_frames(), **_quiet(loss="l1"))
    assert model.record.noise["skew"] > 0.1 and model.record.noise["loss"] == "l1"
    assert "loss" not in describe_noise(model.record.noise).split("->")[1]
    model = train(_photon_frames(), **_quiet())
    chosen = describe_noise(model.record.noise).split("->")[1]
    assert chosen.startswith(" stride 2, mode sdap_e, loss l2")
