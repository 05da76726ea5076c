"""Random windows shared by the patch, distillation and noise-curve samplers."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.windows import Dihedral, pick, random_dihedral, random_start, weights


@pytest.mark.parametrize(("length", "edge", "align"), [(10, 10, 1), (100, 17, 1), (100, 32, 4),
                                                        (513, 512, 2)])
def test_random_start_keeps_the_window_inside_and_aligned(length, edge, align):
    rng = np.random.default_rng(0)
    starts = {random_start(rng, length, edge, align) for _ in range(3000)}
    assert all(0 <= s <= length - edge and s % align == 0 for s in starts)
    assert len(starts) == len(range(0, length - edge + 1, align))  # every position reachable


def test_the_eight_dihedral_transforms_are_distinct_and_drawn_evenly():
    block = np.arange(9.0).reshape(1, 3, 3)
    rng = np.random.default_rng(1)
    seen: dict[bytes, int] = {}
    for _ in range(800):
        key = random_dihedral(rng)(block).tobytes()
        seen[key] = seen.get(key, 0) + 1
    assert len(seen) == 8 and min(seen.values()) > 60
    assert Dihedral(0, False)(block) is not None
    np.testing.assert_array_equal(Dihedral(0, False)(block), block)


def test_pick_follows_the_weights():
    rng = np.random.default_rng(2)
    p = weights([1, 3])
    counts = np.bincount([pick(rng, p) for _ in range(4000)], minlength=2)
    assert abs(counts[1] / counts.sum() - 0.75) < 0.03
