"""The memory estimate behind the widget's warning and the automatic CUDA tile size."""

from __future__ import annotations

import pytest

from napari_sdap.model.memory import LIVE_MAPS, inference_bytes_per_pixel, training_bytes
from napari_sdap.presets import PRESETS


@pytest.mark.parametrize(("preset", "measured_mib"), [("paper", 2995), ("fast", 71),
                                                      ("tiny", 7)])
def test_training_estimate_is_near_the_measured_cuda_peaks(preset, measured_mib):
    n, t = PRESETS[preset]["network"], PRESETS[preset]["training"]
    est = training_bytes(n["width"], n["blocks"], 1, t["batch_size"] * t["patch_size"] ** 2,
                         half=True) / 2**20
    assert 0.8 * measured_mib <= est <= 1.25 * measured_mib


def test_inference_bytes_scale_with_width_and_precision():
    assert inference_bytes_per_pixel(64) == 64 * 4 * LIVE_MAPS
    assert inference_bytes_per_pixel(64, half=True) * 2 == inference_bytes_per_pixel(64)
