"""A model refuses, or warns about, an image on another intensity scale than its training data
(`api.intensity`)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import napari_sdap
from napari_sdap.api.inputs import prepare
from napari_sdap.api.intensity import intensity_mismatch
from napari_sdap.errors import InputError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 4, "patch_size": 24,
        "steps": 3, "student": False}


def _clean(shape=(64, 64)):
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (100 + 80 * np.sin(xx / 7.0) * np.cos(yy / 9.0)).astype(np.float32)


def _noisy(clean, std=15.0, seed=0):
    rng = np.random.default_rng(seed)
    return np.clip(clean + rng.normal(0, std, clean.shape), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def model():
    return napari_sdap.train(_noisy(_clean()), "YX", stride=1, **TINY)


def _mismatch(model, image):
    with prepare(image, "YX", model.config.channel_mode) as p:
        return intensity_mismatch(model, p.array, p.view)


def test_training_records_the_noise_read_from_neighbours(model):
    noise = model.normalization.noise
    assert noise is not None and len(noise) == 1
    assert 10.0 < noise[0] < 20.0  # white noise of std 15, a little texture


def test_images_of_the_same_kind_pass_unchanged(model, caplog):
    other = _noisy(_clean() * 0.5 + 40, seed=3)  # dimmer, same noise
    ratio, spans = _mismatch(model, other)
    assert 0.7 < ratio < 1.5 and spans == 0.0
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        steps = list(model.iter_denoise(other, np.empty(other.shape, np.float32), "YX"))
    assert not caplog.records and all(s.warning is None for s in steps)


@pytest.mark.parametrize("scale", ["float01", "16bit"])
def test_an_image_stored_on_another_scale_is_refused(model, scale):
    noisy = _noisy(_clean(), seed=1)
    image = noisy / np.float32(255) if scale == "float01" else noisy.astype(np.uint16) * 257
    ratio, _ = _mismatch(model, image)
    assert ratio < 1 / 64 or ratio > 64
    with pytest.raises(InputError, match=r"trained on \(whose intensities ran .*another scale.*"
                       r"rescale it.*or train a model"):
        model.denoise(image)


def test_an_image_far_outside_the_training_range_is_refused(model):
    image = _noisy(_clean(), seed=1).astype(np.float32) + 1000
    with pytest.raises(InputError, match=r"intensities lie .*outside it"):
        model.denoise(image)


def test_an_image_somewhat_off_denoises_with_a_warning(model, caplog):
    # (an image beyond the training range warns too, where the output keeps its level; the
    # output of this model there does not, and such an image is refused after one window
    # is tried: tests/api/test_output_level.py)
    xx = np.mgrid[:64, :64][1]
    rng = np.random.default_rng(4)
    image = (60 + 0.5 * xx + rng.normal(0, 1.0, xx.shape)).astype(np.float32)
    ratio, spans = _mismatch(model, image)
    assert 1 / 64 < ratio < 1 / 8 and spans == 0.0  # noise about 16x weaker
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        out = np.empty(image.shape, np.float32)
        steps = list(model.iter_denoise(image, out, "YX"))
    assert "may be worse than the input" in caplog.text
    assert steps and all("weaker than the noise" in (s.warning or "") for s in steps)
    assert abs(np.median(out) - np.median(image)) < 1.0


def test_a_model_saved_without_the_noise_reading_checks_the_range_only(model, tmp_path):
    old = model.normalization.model_copy(update={"noise": None})
    path = model.save(tmp_path / "m.safetensors")
    again = napari_sdap.load_model(path)
    again.normalization = old
    weak = _noisy(_clean(), std=0.5, seed=2)  # 30x weaker noise: not known without the reading
    assert _mismatch(again, weak) == (1.0, 0.0)
    assert again.denoise(weak).shape == weak.shape
