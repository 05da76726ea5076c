"""The outlier repair cut the peaks of small bright spots (beads, puncta): a spot of a spread
under a pixel stands more than 6 noise stds above its brightest neighbour once it is bright
enough, and was replaced by the median of its neighbours (a spread of 0.8 px kept 49-59 % of
its height in the output). A spot whose neighbours rise above the ring around them is kept;
hot and dead pixels on any background are still repaired (`infer.refine.repair_outliers`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.refine import repair_outliers

STD = 0.01
CURVE = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[STD**2, STD**2]]], threshold=1.0,
                   strength=1.0, offset=[[0.0]])


def _background(seed=0):
    return 0.2 + np.random.default_rng(seed).normal(0, STD, (33, 33))


def _repair(image):
    x = torch.tensor(image, dtype=torch.float32)[None, None]
    return x[0, 0].numpy(), repair_outliers(x, CURVE, [0])[0, 0].numpy()


@pytest.mark.parametrize("spread", [0.8, 1.0, 1.3])
@pytest.mark.parametrize("height", [30, 100])  # in noise stds
def test_a_small_bright_spot_keeps_its_peak(spread, height):
    yy, xx = np.mgrid[:33, :33]
    spot = height * STD * np.exp(-((yy - 16) ** 2 + (xx - 16) ** 2) / (2 * spread**2))
    x, y = _repair(_background() + spot)
    np.testing.assert_array_equal(y, x)


@pytest.mark.parametrize("seed", range(5))
def test_hot_and_dead_pixels_are_still_repaired(seed):
    image = _background(seed)
    image[10, 10] += 50 * STD  # hot, on a flat background
    image[22, 5] -= 0.15  # dead
    yy, xx = np.mgrid[:33, :33]
    image += 0.002 * (xx + yy)  # on a gentle slope
    x, y = _repair(image)
    changed = np.argwhere(y != x)
    assert {tuple(p) for p in changed} == {(10, 10), (22, 5)}
    assert abs(y[10, 10] - np.median(x[9:12, 9:12])) < 3 * STD
