"""analyze_noise refuses what training refuses: a constant image has no noise to measure (it
read correlations of -0.49, or "too small to measure", for a 64 x 64 image)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.api import analyze_noise
from napari_sdap.errors import InputError


@pytest.mark.parametrize("value", [0.0, 5.0])
def test_a_constant_image_is_refused_as_training_refuses_it(value):
    with pytest.raises(InputError, match=r"the image is constant .*no noise to learn from"):
        analyze_noise(np.full((64, 64), value, np.float32))


def test_a_constant_channel_and_nan_are_refused():
    image = np.random.default_rng(0).normal(100, 5, (2, 64, 64)).astype(np.float32)
    image[1] = 7.0
    with pytest.raises(InputError, match=r"channel 1 of the image is constant"):
        analyze_noise(image, "CYX", channel_mode="independent")
    image = np.random.default_rng(1).normal(100, 5, (64, 64)).astype(np.float32)
    image[3, 4] = np.nan
    with pytest.raises(InputError, match="NaN"):
        analyze_noise(image)


def test_a_noisy_image_is_measured():
    image = np.random.default_rng(2).normal(100, 5, (64, 64)).astype(np.float32)
    est = analyze_noise(image)
    assert est.stride == 1 and abs(est.correlation_x[0]) < 0.1
