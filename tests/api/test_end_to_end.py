"""End to end: a short CPU training run really removes spatially correlated noise."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import correlated_noise, smooth_image

from napari_sdap.api import load_model, train


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(1.0 / np.mean((a.astype(np.float64) - b) ** 2)))


@pytest.mark.slow
def test_training_raises_psnr_on_correlated_noise(tmp_path):
    clean = smooth_image((128, 128), seed=0)
    noisy = clean + correlated_noise((128, 128), 0.1, seed=1, k=3)
    model = train(noisy, preset="tiny", steps=100, seed=0, device="cpu")
    assert model.record.noise["stride"] >= 2, "correlated noise must not be trained at stride 1"
    before = _psnr(noisy, clean)
    denoised = model.denoise(noisy)
    after = _psnr(denoised, clean)
    # measured here: 20.0 -> 27.6 dB (SDAP(E)); other image/noise/training seeds gave +3.7 to
    # +8.2 dB at 100 steps, so demand +3 dB
    assert after >= before + 3.0, f"PSNR {before:.2f} -> {after:.2f} dB"
    path = model.save(tmp_path / "e2e.safetensors")
    np.testing.assert_array_equal(load_model(path).denoise(noisy), denoised)
