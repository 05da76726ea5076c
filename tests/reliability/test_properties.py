"""Property-based checks over random shapes, dtypes, axes orders, strides and modes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from napari_sdap.axes import plane_view
from napari_sdap.errors import InputError
from napari_sdap.infer.planes import min_size

FAST = settings(max_examples=20, deadline=None)
DTYPES = ["uint8", "int16", "uint16", "int32", "float16", "float32", "float64"]


@st.composite
def images(draw, max_side: int = 20, min_side: int = 1):
    """A random image: 2 to 4 axes (Y, X plus T/Z/C of size 1..2) in a random order, Y and X
    of `min_side`..`max_side` pixels."""
    extra = draw(st.lists(st.sampled_from("TZC"), max_size=2, unique=True))
    axes = draw(st.permutations(["Y", "X", *extra]))
    sizes = {"Y": draw(st.integers(min_side, max_side)),
             "X": draw(st.integers(min_side, max_side)),
             "T": draw(st.integers(1, 2)), "Z": draw(st.integers(1, 2)), "C": 1}
    shape = tuple(sizes[a] for a in axes)
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**16))
    data = np.random.default_rng(seed).integers(0, 100, shape).astype(dtype)
    return data, "".join(axes)


@FAST
@given(case=images(), mode=st.sampled_from(["sdap", "sdap_e", "bsn"]))
def test_output_has_the_input_shape_or_a_documented_error(counts_model, case, mode):
    image, axes = case
    before = image.copy()
    h, w = image.shape[axes.index("Y")], image.shape[axes.index("X")]
    if min(h, w) < min_size(mode, counts_model.config.inference.pd_stride):
        with pytest.raises(InputError, match=r"is smaller than the \d+x\d+ minimum of mode"):
            counts_model.denoise(image, axes, mode=mode)
    else:
        out = counts_model.denoise(image, axes, mode=mode)
        assert out.shape == image.shape and out.dtype == np.float32
        assert np.isfinite(out).all()
    np.testing.assert_array_equal(image, before)


@FAST
@given(case=images(max_side=14, min_side=8), data=st.data())
def test_axes_order_does_not_change_the_result(counts_model, case, data):
    image, axes = case
    assume(min(image.shape[axes.index("Y")], image.shape[axes.index("X")]) >= 8)  # the minimum
    perm = data.draw(st.permutations(range(image.ndim)))
    moved = np.transpose(image, perm)
    moved_axes = "".join(axes[i] for i in perm)
    np.testing.assert_allclose(counts_model.denoise(moved, moved_axes),
                               np.transpose(counts_model.denoise(image, axes), perm),
                               atol=1e-3)  # 1e-5 of the image scale


@FAST
@given(step_y=st.integers(1, 3), step_x=st.integers(-3, 3).filter(bool),
       start=st.integers(0, 3))
def test_strided_views_match_contiguous_copies(gray_model, step_y, step_x, start):
    base = np.random.default_rng(start).random((40, 40)).astype(np.float32)
    view = base[start::step_y, ::step_x]
    np.testing.assert_array_equal(gray_model.denoise(view),
                                  gray_model.denoise(np.ascontiguousarray(view)))


@settings(max_examples=40, deadline=None)
@given(case=images(max_side=6), mode=st.sampled_from(["auto", "joint", "independent"]))
def test_plane_view_read_then_write_rebuilds_the_array(case, mode):
    image, axes = case
    view = plane_view(image.shape, axes, mode)
    rebuilt = np.full(image.shape, -1, np.float32)
    for n in range(view.n_planes):
        block = view.read(image, n)
        assert block.shape == (view.channels, view.height, view.width)
        view.write(rebuilt, n, block)
    np.testing.assert_array_equal(rebuilt, image.astype(np.float32))
