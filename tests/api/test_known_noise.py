"""Training with a known noise level (`TrainingConfig.noise_std`, `noise_gain`,
`noise_offset`): the curve, gate and output blur take it in place of the data's reading."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.api.frames import FRAME_SIGMAS
from napari_sdap.api.noise_curve import KNOWN_THRESHOLD
from napari_sdap.errors import ConfigError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "steps": 20, "device": "cpu"}


def _image(seed: int = 0, std: float = 10.0) -> np.ndarray:
    """A smooth image on a 100-200 scale with 2 x 2 box-filtered noise of std `std`."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:96, :96]
    clean = 150.0 + 50.0 * np.sin(xx / 9.0) * np.cos(yy / 11.0)
    w = rng.normal(0, 1, (97, 97))
    box = (w[:-1, :-1] + w[1:, :-1] + w[:-1, 1:] + w[1:, 1:]) / 2.0
    return (clean + std * box).astype(np.float32)


def _image_variance(model) -> tuple[np.ndarray, np.ndarray]:
    """(intensity, noise variance) of the model's curve on the image's scale."""
    lo, scale = model.normalization.scale(0)
    c = model.noise_curve
    return lo + np.array(c.levels[0][0]) * scale, np.array(c.variance[0][0]) * scale**2


def test_a_constant_level_is_the_curve_and_the_blur_tries_wider_blurs(tmp_path):
    model = napari_sdap.train(_image(), "YX", stride=2, noise_std=10.0, **TINY)
    _, var = _image_variance(model)
    np.testing.assert_allclose(var, 100.0, rtol=1e-4)
    assert model.noise_curve.threshold >= KNOWN_THRESHOLD
    assert "(given: std 10)" in model.describe_detail()
    tried = {k for k in model.record.output_blur if k.startswith("gain@")}
    assert tried == {f"gain@{s:g}" for s in FRAME_SIGMAS}
    path = tmp_path / "known.sdap"
    model.save(path)
    again = napari_sdap.load_model(path)
    assert again.config.training.noise_std == 10.0
    np.testing.assert_array_equal(again.denoise(_image(1), "YX"), model.denoise(_image(1), "YX"))


def test_a_poisson_gaussian_level_follows_the_intensity():
    model = napari_sdap.train(_image(), "YX", stride=2, noise_std=2.0, noise_gain=0.5,
                              noise_offset=50.0, **TINY)
    level, var = _image_variance(model)
    np.testing.assert_allclose(var, 4.0 + 0.5 * (level - 50.0), rtol=1e-4)
    assert "variance + 0.5 per unit above 50" in model.describe_detail()


def test_the_read_curve_differs_from_a_given_one():
    """The option changes what the model holds: the same training without it reads its own."""
    read = napari_sdap.train(_image(), "YX", stride=2, **TINY)
    _, var = _image_variance(read)
    assert not np.allclose(var, 100.0, rtol=1e-3)
    assert read.config.training.noise_std is None and "given" not in read.describe_detail()


def test_white_noise_models_take_the_level():
    rng = np.random.default_rng(2)
    xx = np.mgrid[:96, :96][1]
    noisy = (0.5 + 0.3 * np.sin(xx / 7.0) + rng.normal(0, 0.05, (96, 96))).astype(np.float32)
    model = napari_sdap.train(noisy, "YX", stride=1, noise_std=0.05, student=False, **TINY)
    _, var = _image_variance(model)
    np.testing.assert_allclose(var, 0.0025, rtol=1e-4)
    assert model.noise_curve.offset is not None  # the stride-1 bias correction still measured


@pytest.mark.parametrize(("kw", "words"), [
    ({"noise_gain": 0.5}, r"needs noise_std"),
    ({"noise_std": -2.0}, r"noise_std"),
    ({"noise_std": 0.0}, r"no noise"),
])
def test_bad_levels_are_config_errors(kw, words):
    with pytest.raises(ConfigError, match=words):
        napari_sdap.train(_image(), "YX", stride=2, **{**TINY, "steps": 1}, **kw)
