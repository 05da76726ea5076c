"""The quality check of a result of a model without a noise curve (a 3-D model) says why the
residual is not compared with the noise. Regression: it said "(no model: ...)" for a model that
was given."""

from __future__ import annotations

import numpy as np

from napari_sdap import quality_report, train


def _pair() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    clean = 100 + 50 * np.sin(np.arange(48) / 5.0)[None, None, :] * np.ones((6, 48, 1))
    noisy = (clean + rng.normal(0, 10, clean.shape)).astype(np.float32)
    return noisy, clean.astype(np.float32)


def test_a_3d_model_without_a_curve_is_named_not_called_no_model() -> None:
    noisy, denoised = _pair()
    model = train(noisy, "ZYX", preset="tiny", steps=1, width=8, blocks=1, device="cpu",
                  dims=3, student=False)
    text = quality_report(noisy, denoised, model=model, axes="ZYX").summary()
    assert "(the model has no noise curve: not compared with the noise)" in text, text
    assert "no model:" not in text


def test_without_a_model_it_still_says_no_model() -> None:
    noisy, denoised = _pair()
    text = quality_report(noisy, denoised, axes="ZYX").summary()
    assert "(no model: not compared with the noise)" in text, text
