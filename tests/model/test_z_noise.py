"""`noise_plane_correlation`: the noise correlation of neighbouring planes, without the signal."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import correlated_noise

from napari_sdap.axes import plane_view
from napari_sdap.model.volume import noise_plane_correlation


def _smooth(depth: int = 12, size: int = 128) -> np.ndarray:
    z, y, x = np.mgrid[0:depth, 0:size, 0:size].astype(np.float32)
    return np.sin(x / 4.0 + z / 6.0) * np.cos(y / 5.0)


def _measure(stack: np.ndarray, axes: str = "ZYX", along: str = "Z", seed: int = 0) -> float:
    view = plane_view(stack.shape, axes)
    return noise_plane_correlation(stack, view, view.axes.index(along), seed=seed)


@pytest.mark.parametrize("sigma", [0.05, 0.3])
def test_independent_noise_reads_zero(sigma):
    noise = np.random.default_rng(1).normal(0, sigma, _smooth().shape)
    assert abs(_measure(_smooth() + noise)) < 0.05  # spread over noise draws: 0.01 to 0.02


@pytest.mark.parametrize(("mix", "low"), [(0.6, 0.35), (0.3, 0.2)])
def test_noise_mixed_between_planes_reads_its_correlation(mix, low):
    n = np.random.default_rng(2).normal(0, 0.2, _smooth().shape)
    mixed = n.copy()
    mixed[1:] += mix * n[:-1]  # n_z + mix * n_(z-1): correlation mix / (1 + mix**2)
    value = _measure(_smooth() + mixed)
    assert low < value < mix / (1 + mix**2) + 0.05


@pytest.mark.parametrize("k", [2, 3])
def test_spatially_correlated_noise_reads_only_its_plane_to_plane_part(k):
    n = correlated_noise(_smooth().shape, 0.1, seed=5, k=k)  # k x k box-filtered noise
    assert abs(_measure(_smooth() + n)) < 0.05
    mixed = n.copy()
    mixed[1:] += 0.3 * n[:-1]
    assert _measure(_smooth() + mixed) > 0.2


def test_other_axes_and_the_time_axis():
    rng = np.random.default_rng(3)
    n = rng.normal(0, 0.2, (3, 8, 64, 64))  # T Z Y X, noise mixed along T only
    stack = n.copy()
    stack[:, 1:] += 0.6 * n[:, :-1]
    mixed_t = np.swapaxes(stack, 0, 1)  # now mixed along axis 0 = T of "TZYX"
    assert _measure(mixed_t, "TZYX", "T") > 0.3
    assert abs(_measure(mixed_t, "TZYX", "Z")) < 0.05


def test_stacks_of_fewer_than_three_planes_and_flat_planes():
    assert _measure(np.random.default_rng(0).random((2, 32, 32))) == 0.0
    assert _measure(np.ones((5, 32, 32), np.float32)) == 0.0


def test_fine_structure_in_part_of_the_image_is_not_read_as_noise():
    """Fine structure that changes from plane to plane (white in the plane, correlated between
    neighbouring planes, like noise mixed between planes) in a corner of the image: the median
    over blocks leaves it out, a mean over the whole crop would not."""
    rng = np.random.default_rng(4)
    stack = _smooth() + rng.normal(0, 0.1, _smooth().shape)
    texture = rng.normal(0, 1.0, (13, 40, 40))
    stack[:, :40, :40] += texture[1:] + texture[:-1]  # correlation 0.5 between neighbours
    assert _measure(stack) < 0.06  # 0.046 (a mean over the blocks: 0.081, over the crop: ~0.4)
    whole = np.zeros_like(stack)
    whole[:, :40, :40] = stack[:, :40, :40]
    assert _measure(whole) > 0.4  # the corner alone reads as correlated


def test_flat_and_non_finite_blocks_are_left_out():
    n = np.random.default_rng(6).normal(0, 0.2, _smooth().shape)
    mixed = _smooth() + n
    mixed[1:] += 0.6 * n[:-1]
    mixed[:, :64] = 1.0  # clipped half
    mixed[:, 70, 70] = np.nan
    assert 0.35 < _measure(mixed) < 0.5
