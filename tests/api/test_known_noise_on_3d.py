"""A known noise level given to a 3-D model is said to be unused.

Regression: `train(stack, dims=3, noise_std=5)` (CLI `--dims 3 --noise-std 5`) took the level
without a word, though 3-D models measure no noise curve, which it would have replaced: the
calibration the user gave had no effect."""

from __future__ import annotations

import logging

import numpy as np

from napari_sdap import train

TINY = {"preset": "tiny", "steps": 1, "width": 8, "blocks": 1, "device": "cpu",
        "student": False}


def _stack() -> np.ndarray:
    rng = np.random.default_rng(0)
    clean = 100 + 50 * np.sin(np.arange(40) / 5.0)[None, None, :] * np.ones((6, 40, 1))
    return (clean + rng.normal(0, 10, clean.shape)).astype(np.float32)


def test_noise_std_on_a_3d_model_is_warned_about(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        train(_stack(), "ZYX", dims=3, noise_std=10.0, **TINY)
    assert "(noise_std=10; CLI --noise-std) is not used by a 3-D model" in caplog.text, caplog.text


def test_no_warning_without_it(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        train(_stack(), "ZYX", dims=3, **TINY)
    assert "is not used by a 3-D model" not in caplog.text
