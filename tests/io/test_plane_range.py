"""A range of planes of a larger array, read and written in place."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.io.plane_range import PlaneRange


def test_reads_are_offset_along_the_axis() -> None:
    base = np.arange(5 * 4 * 6).reshape(5, 4, 6)
    view = PlaneRange(base, 0, 1, 4)
    assert view.shape == (3, 4, 6) and view.dtype == base.dtype and view.ndim == 3
    np.testing.assert_array_equal(np.asarray(view), base[1:4])
    np.testing.assert_array_equal(view[0], base[1])
    np.testing.assert_array_equal(view[-1, 1:3], base[3, 1:3])
    np.testing.assert_array_equal(view[1:, ..., 2], base[2:4, :, 2])
    np.testing.assert_array_equal(view[:, 2:3, 1:5], base[1:4, 2:3, 1:5])
    mid = PlaneRange(base, 1, 2, 4)  # along an inner axis
    np.testing.assert_array_equal(mid[3, :, ::2], base[3, 2:4, ::2])


def test_writes_outside_the_kept_planes_are_dropped() -> None:
    base = np.zeros((6, 3, 3), np.float32)
    view = PlaneRange(base, 0, 1, 5, keep=(2, 4))
    view[0] = 7  # plane 1: a neighbour only
    view[1] = 1  # plane 2
    assert not base[1].any() and (base[2] == 1).all()
    view[:, 1:2] = np.arange(4, dtype=np.float32)[:, None, None] + 10  # planes 1..4, row 1
    np.testing.assert_array_equal(base[:, 1, 0], [0, 0, 11, 12, 0, 0])
    view[3, 0] = 5  # plane 4: dropped
    assert not base[4].any()


@pytest.mark.parametrize("bad", [(0, 0, 0), (0, 2, 7), (3, 0, 1), (0, 3, 2)])
def test_ranges_outside_the_array_are_refused(bad) -> None:
    with pytest.raises(ValueError):
        PlaneRange(np.zeros((6, 3, 3)), *bad)
    with pytest.raises(ValueError):
        PlaneRange(np.zeros((6, 3, 3)), 0, 1, 4, keep=(0, 2))


def test_indexing_it_cannot_honour_is_refused() -> None:
    view = PlaneRange(np.zeros((6, 3, 3)), 0, 1, 4)
    with pytest.raises(IndexError):
        view[3]
    with pytest.raises(TypeError):
        view[::2]
    with pytest.raises(TypeError):
        view[[0, 1]]
