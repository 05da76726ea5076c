"""Block means behind the output stages' standard errors (`infer.blocks`)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.infer.blocks import BLOCK, block_means


def test_blocks_average_their_counted_pixels_and_skip_mostly_uncounted_ones():
    d = np.arange(2 * BLOCK * 2 * BLOCK, dtype=np.float64).reshape(1, 2 * BLOCK, 2 * BLOCK)
    ok = np.ones(d.shape, bool)
    ok[0, :BLOCK, :BLOCK] = False  # first block: none counted
    ok[0, BLOCK:, :BLOCK // 2] = False  # third block: half counted
    got = block_means(d, ok)
    assert got.size == 3
    third = d[0, BLOCK:, BLOCK // 2 : BLOCK]
    assert got[1] == pytest.approx(third.mean())


def test_a_window_smaller_than_a_block_is_one_block():
    d = np.random.default_rng(0).normal(size=(2, 9, 11))
    ok = d > -0.5
    got = block_means(d, ok)
    assert got.shape == (1,) and got[0] == pytest.approx(d[ok].mean())
    assert block_means(d, np.zeros(d.shape, bool)).size == 0
