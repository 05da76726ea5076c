"""The noise curve's spike cap (`infer.lags.despike`) beside a bin that read no noise: a
mosaic's 0 fill (or a background clipped to one value) whose network output lies a little
above 0 reads the floor variance, and as a darker bound it capped the brightest bin, which has
no brighter one, to no noise: the detail restore then gave the noisy input back at the
brightest pixels (FMD mosaics with a quarter of 0 fill: the top bin 15.1 -> 0.002 counts,
34.02 -> 34.26 and 37.28 -> 37.62 dB once fixed; frames without a fill are unchanged)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.infer.lags import SPIKE, despike

_FLOOR = 1e-12  # (the curves' floor, `infer.gate.TINY`)


def test_a_bin_without_noise_bounds_nothing():
    levels = [0.004, 0.1, 0.2, 0.4, 0.6]
    variance = [_FLOOR, 0.010, 0.020, 0.040, 0.062]  # (Poisson: in proportion to the level)
    out = despike(levels, variance)
    assert out[-1] == pytest.approx(0.062), out
    assert out == pytest.approx(variance)


@pytest.mark.parametrize("reach", [None, 1])
def test_a_spike_is_still_capped(reach):
    levels = [0.004, 0.1, 0.2, 0.4, 0.6]
    variance = [_FLOOR, 0.010, 0.200, 0.040, 0.060]  # bin 2 reads 10x its neighbours
    out = despike(levels, variance, reach=reach)
    assert out[2] <= SPIKE * 0.040 + 1e-12 and out[2] < 0.2
    assert np.allclose(out[3:], variance[3:]) and out[0] == _FLOOR


def test_a_curve_falling_at_the_top_keeps_its_top():
    """A clip at the bright end: the top bin reads less than the others and is no spike."""
    levels = [0.1, 0.2, 0.4, 0.6]
    variance = [0.010, 0.020, 0.040, 0.005]
    assert despike(levels, variance) == pytest.approx(variance)
