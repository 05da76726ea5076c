"""The shared clipping test (`napari_sdap.clipping`) and the pixels the risk estimates leave out."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.clipping import clipped_ends
from napari_sdap.infer.risk import blocks_of, neighbour_range, unclipped


def _dark_integer_frame(seed: int = 2) -> np.ndarray:
    """A dark integer background whose lowest level holds a few percent of the pixels, fewer
    than the level above it (FMD confocal frames)."""
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(8.0, 2.0, (128, 128))).clip(3, None).astype(np.float32)


def test_a_pile_up_at_either_end_is_a_clip():
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 1.0, 4096).astype(np.float32)
    assert clipped_ends(x, 1e-3) == (False, False)  # continuous: one pixel per value
    assert clipped_ends(np.maximum(x, 0.0), 1e-3) == (True, False)
    assert clipped_ends(np.minimum(x, 1.0), 1e-3) == (False, True)
    assert clipped_ends(np.clip(x, -1.0, 1.0), 1e-3) == (True, True)


def test_the_share_and_the_pile_up_are_both_needed():
    x = _dark_integer_frame()
    _, counts = np.unique(x, return_counts=True)
    assert 0.01 * x.size <= counts[0] < counts[1]
    assert clipped_ends(x, 1e-3) == (False, False)  # common lowest level, no pile-up
    assert clipped_ends(np.maximum(x, 7.0), 1e-3)[0]  # cut at 7: piled up
    few = np.arange(10_000, dtype=np.float32)
    few[:5] = 0.0  # a pile-up of 5 values in 10,000: under a 0.1 % share
    assert clipped_ends(few, 1e-3) == (False, False)
    few[:20] = 0.0
    assert clipped_ends(few, 1e-3) == (True, False)


@pytest.mark.parametrize("size", [1, 2])
def test_constant_data(size):
    assert clipped_ends(np.zeros(size, np.float32), 0.01) == (size > 1, size > 1)


def _counted(x: np.ndarray) -> np.ndarray:
    lo, hi = neighbour_range(x, slice(0, x.shape[0]), slice(0, x.shape[1]))
    return unclipped(blocks_of(x), lo.ravel(), hi.ravel())[1]


def test_the_risk_estimates_count_a_dark_integer_background():
    """Its darkest pixels are noise like any other: they stay counted. With the left half cut
    at a level (and the right half brighter), the pixels next to the cut are left out, the
    rest of the right half is counted."""
    x = _dark_integer_frame()
    assert _counted(x).all()
    cut = x.copy()
    cut[:, :64] = np.maximum(cut[:, :64], 7.0)
    cut[:, 64:] += 30.0
    counted = _counted(cut).reshape(128, 128)
    near = neighbour_range(cut, slice(0, 128), slice(0, 128))[0]
    assert not counted[near == 7.0].any()
    assert counted[:, :62].mean() < 0.01
    assert counted[:, 66:].all()
