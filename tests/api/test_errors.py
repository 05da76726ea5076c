"""Bad input gives a typed error that says what was wrong and what to do."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import TINY, gray_model_fixture  # noqa: F401

from napari_sdap.api import create_model, load_model, quality_report, train
from napari_sdap.errors import (
    AxesError,
    ConfigError,
    DeviceError,
    InputError,
    ModelFileError,
    SdapError,
)

GOOD = np.random.default_rng(0).normal(size=(40, 40)).astype(np.float32)


def _with(value, where=(3, 4)):
    a = GOOD.copy()
    a[where] = value
    return a


@pytest.mark.parametrize(("image", "error", "words"), [
    (_with(np.nan), InputError, r"1 NaN or infinite.*nan_to_num"),
    (_with(np.inf), InputError, r"NaN or infinite.*nan_to_num"),
    (np.zeros((0, 40), np.float32), InputError, r"empty.*non-empty"),
    (np.zeros(40, np.float32), InputError, r"at least 2 dimensions"),
    (GOOD > 0, InputError, r"bool is not supported: a binary image"),
    (GOOD.astype(np.complex64), InputError, r"complex.*np.abs"),
    ([GOOD, np.zeros((40, 40, 3), np.uint8)], InputError, r"same channels"),
    ("image.tif", InputError, r"image.tif: no such file"),
    ({"pixels": 1}, InputError, r"must be an array.*or a path, got dict"),
])
def test_bad_training_images(image, error, words):
    with pytest.raises(error, match=words):
        train(image, steps=1, stride=2, **TINY)


@pytest.mark.parametrize(("image", "error", "words"), [
    (_with(np.nan), InputError, r"NaN or infinite"),
    (np.zeros((40, 0)), InputError, r"empty"),
    (GOOD.astype(object), InputError, r"object"),
    (np.zeros((6, 40), np.float32), InputError, r"6x40 is smaller than the 8x8 minimum.*bsn"),
    ([GOOD], InputError, r"list where one image"),
])
def test_bad_images_to_denoise(gray_model, image, error, words):
    with pytest.raises(error, match=words):
        gray_model.denoise(image)


def test_too_small_for_the_stride(gray_model):
    with pytest.raises(InputError, match=r"too small to train at stride 5.*20 px"):
        train(GOOD[:12, :12], steps=1, stride=5, preset="tiny", width=8, blocks=1)
    # bsn needs only 4 px
    with pytest.raises(InputError, match="minimum"):
        gray_model.denoise(GOOD[:3, :3], mode="bsn")
    assert gray_model.denoise(GOOD[:4, :5], mode="bsn").shape == (4, 5)


@pytest.mark.parametrize(("axes", "words"), [
    ("ZYX", r"3 letters but the image has 2 dimensions"),
    ("YQ", r"unknown letters"),
    ("XX", r"repeats"),
])
def test_axes_not_matching(gray_model, axes, words):
    with pytest.raises(AxesError, match=words):
        gray_model.denoise(GOOD, axes)
    with pytest.raises(AxesError, match=words):
        train(GOOD, axes, steps=1, **TINY)


def test_4d_without_axes_asks_for_them(gray_model):
    with pytest.raises(AxesError, match="pass axes="):
        gray_model.denoise(np.zeros((2, 2, 16, 16), np.float32))


def test_model_and_image_channels_must_match(gray_model):
    rgb = np.zeros((16, 16, 3), np.uint8)
    with pytest.raises(InputError, match=r"takes 1 joint channel.*gives 3"):
        gray_model.denoise(rgb)
    with pytest.raises(InputError, match=r"trained on 1 independent channel.*has 2"):
        gray_model.denoise(np.zeros((2, 16, 16)), "CYX")
    with pytest.raises(InputError, match=r"create the model with channels=1"):
        train(GOOD, model=create_model("tiny", 3, width=8, blocks=1), steps=1)


def test_untrained_model():
    with pytest.raises(InputError, match=r"untrained.*train it first"):
        create_model("tiny").denoise(GOOD)


@pytest.mark.parametrize(("kw", "error", "words"), [
    ({"stride": "big"}, ConfigError, r"stride must be 'auto' or an integer"),
    ({"stride": 9}, ConfigError, r"training.stride"),
    ({"steps": 0}, ConfigError, r"training.steps"),
    ({"preset": "huge"}, ConfigError, r"preset must be one of"),
    ({"device": "gpu7"}, DeviceError, r"device must be"),
    ({"device": "cuda:7"}, DeviceError, r"not available on this machine.*cpu"),
    ({"sharpness": 3}, ConfigError, r"unknown setting 'sharpness'"),
])
def test_bad_settings(kw, error, words):
    args = {**TINY, "steps": 1, "stride": 2, **kw}
    with pytest.raises(error, match=words):
        train(GOOD, **args)


def test_bad_mode_and_device_for_denoise(gray_model):
    with pytest.raises(ConfigError, match=r"mode must be one of"):
        gray_model.denoise(GOOD, mode="fancy")
    with pytest.raises(DeviceError):
        gray_model.denoise(GOOD, device="cuda:9")


def test_every_error_is_an_sdap_error():
    for cls in (InputError, AxesError, ConfigError, DeviceError):
        assert issubclass(cls, SdapError)


@pytest.mark.parametrize("seed", [1.5, -1, "7", True, 2**32])
def test_a_seed_that_is_not_a_whole_number_is_refused_first(seed):
    with pytest.raises(ConfigError, match=r"seed must be a whole number 0\.\.4294967295"):
        train(GOOD, seed=seed, steps=1, **{k: v for k, v in TINY.items() if k != "seed"})


def test_no_seed_is_seed_0():
    """seed=None (the default) is 0 for a new model (a model trained further keeps its own)."""
    model = train(GOOD, seed=None, steps=1, **{k: v for k, v in TINY.items() if k != "seed"})
    assert model.config.seed == 0


def test_a_config_given_as_preset_and_a_missing_path_are_named():
    model = create_model("tiny", width=8, blocks=1)
    with pytest.raises(ConfigError, match=r"preset must be one of .*got 'SDAPConfig'.*width=32"):
        train(GOOD, preset=model.config, steps=1)
    with pytest.raises(ModelFileError, match=r"needs the path of a model file \(got NoneType\)"):
        load_model(None)


def test_quality_report_takes_a_model_file(tmp_path):
    model = train(GOOD, steps=1, stride=1, **{k: v for k, v in TINY.items() if k != "seed"})
    path = model.save(tmp_path / "m.safetensors")
    report = quality_report(GOOD, model.denoise(GOOD), model=path)
    assert report.summary()
