"""Axes strings and the plane view over numpy, dask and zarr arrays."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest

from napari_sdap.axes import default_axes, plane_view, validate_axes
from napari_sdap.errors import AxesError


@pytest.mark.parametrize(("shape", "axes", "planes", "channels", "groups"), [
    ((20, 24), "YX", 1, 1, 1),
    ((20, 24, 3), "YXC", 1, 3, 1),          # RGB: joint
    ((2, 20, 24), "CYX", 2, 1, 2),          # fluorescence: independent
    ((5, 20, 24), "ZYX", 5, 1, 1),
    ((4, 20, 24), "TYX", 4, 1, 1),
    ((3, 5, 20, 24), "TZYX", 15, 1, 1),
    ((3, 2, 5, 20, 24), "TCZYX", 30, 1, 2),
])
def test_planes(shape, axes, planes, channels, groups):
    view = plane_view(shape, axes)
    assert (view.n_planes, view.channels, view.n_channel_groups) == (planes, channels, groups)
    assert (view.height, view.width) == (20, 24)


def test_read_write_round_trip_every_plane():
    shape, axes = (3, 2, 4, 10, 12), "TCZYX"
    a = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    view = plane_view(shape, axes)
    out = np.zeros_like(a)
    seen = set()
    for n in range(view.n_planes):
        block = view.read(a, n)
        assert block.shape == (1, 10, 12)
        view.write(out, n, block)
        seen.add(view.channel_group(n))
    np.testing.assert_array_equal(out, a)
    assert seen == {0, 1}


def test_joint_channels_read_channel_first_and_write_back():
    a = np.random.default_rng(0).normal(size=(2, 10, 12, 3)).astype(np.float32)
    view = plane_view(a.shape, "ZYXC")
    assert view.joint and view.channels == 3
    block = view.read(a, 1, slice(2, 6), slice(3, 9))
    np.testing.assert_array_equal(block, np.moveaxis(a[1, 2:6, 3:9], -1, 0))
    out = np.zeros_like(a)
    view.write(out, 1, block, slice(2, 6), slice(3, 9))
    np.testing.assert_array_equal(out[1, 2:6, 3:9], a[1, 2:6, 3:9])


def test_channel_mode_overrides_default():
    assert plane_view((20, 24, 3), "YXC", "independent").n_channel_groups == 3
    assert plane_view((3, 20, 24), "CYX", "joint").channels == 3


def test_lazy_arrays_read_regions():
    a = da.random.random((4, 30, 30), chunks=(1, 10, 10))
    block = plane_view(a.shape, "ZYX").read(a, 2, slice(0, 5), slice(5, 10))
    assert isinstance(block, np.ndarray) and block.shape == (1, 5, 5)


def test_default_axes():
    assert default_axes((5, 6)) == "YX"
    assert default_axes((5, 6, 3)) == "YXC"
    assert default_axes((7, 5, 6)) == "ZYX"
    with pytest.raises(AxesError, match="pass axes="):
        default_axes((2, 3, 5, 6))


@pytest.mark.parametrize(("axes", "shape", "words"), [
    ("YX", (2, 3, 4), "2 letters but the image has 3"),
    ("ZQX", (2, 3, 4), "unknown letters"),
    ("YYX", (2, 3, 4), "repeats"),
    ("ZCY", (2, 3, 4), "both Y and X"),
    (3, (2, 3), "must be a string"),
])
def test_wrong_axes_errors(axes, shape, words):
    with pytest.raises(AxesError, match=words):
        validate_axes(axes, shape)


def test_lowercase_axes_accepted():
    assert validate_axes("tyx", (2, 3, 4)) == "TYX"
