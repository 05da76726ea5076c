"""Whitening noise correlated along one axis, and colouring the output back (`infer.whiten`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_sdap.infer.whiten import (
    SHRINK,
    Whitening,
    choose_whitening,
    extra_halo,
    whiten_array,
)


def ar1(shape, coef, axis, seed=0):
    """Unit white noise through the AR(1) filter along `axis` (the scanner's noise)."""
    from scipy.signal import lfilter

    w = np.random.default_rng(seed).normal(0, 1, shape)
    return lfilter([1.0 - coef], [1.0, -coef], w, axis=axis)


def lag1(a, axis):
    a = a - a.mean()
    one = np.take(a, range(1, a.shape[axis]), axis=axis)
    other = np.take(a, range(a.shape[axis] - 1), axis=axis)
    return float(np.mean(one * other) / a.var())


@pytest.mark.parametrize("across", [[0.01, -0.02, 0.0, 0.01], [0.4, 0.13, 0.0, -0.03]])
def test_ar1_noise_along_one_axis_is_whitened(across):
    """Flat across, or read up to 0.6 of it at lag 1 where texture leaks into the reading."""
    cx = [0.7, 0.45, 0.22, 0.13]
    assert choose_whitening(cx, across) == Whitening("X", round(SHRINK * 0.7, 4))
    assert choose_whitening(across, cx) == Whitening("Y", round(SHRINK * 0.7, 4))


def test_texture_leaking_across_up_to_the_ratio_is_still_whitened():
    """A textured 256² crop of scanner noise read 0.6005 of the correlation across."""
    cx, cy = [0.7076, 0.4017, 0.1968, 0.0724], [0.4249, 0.1407, 0.0349, 0.0024]
    assert choose_whitening(cx, cy) == Whitening("X", round(SHRINK * 0.7076, 4))


def test_the_flattest_blocks_lower_only_the_correlation_across():
    """Across the scan line the flattest sixteenth's reading counts where lower (texture only
    adds correlation); noise correlated along both axes reads high there too."""
    cx, cy = [0.7, 0.45, 0.22, 0.13], [0.5, 0.25, 0.1, 0.0]
    assert choose_whitening(cx, cy) is None
    assert choose_whitening(cx, cy, ([0.68, 0.44], [0.05, 0.0])) == Whitening("X", 0.595)
    assert choose_whitening(cy, cx, ([0.05, 0.0], [0.68, 0.44])) == Whitening("Y", 0.595)
    both = [0.6, 0.36, 0.2, 0.1], [0.55, 0.3, 0.2, 0.1]
    assert choose_whitening(*both, ([0.58, 0.34], [0.52, 0.28])) is None


@pytest.mark.parametrize(("cx", "cy"), [
    ([0.02, 0.0, 0.0, 0.0], [0.01, 0.0, 0.0, 0.0]),          # white
    ([0.7, 0.45, 0.22, 0.13], [0.49, 0.1, 0.0, 0.0]),        # across 0.7 of it: both axes
    ([0.6, 0.36, 0.2, 0.1], [0.55, 0.3, 0.2, 0.1]),          # both axes (demosaicing, box)
    ([0.46, -0.04, -0.02, 0.0], [0.02, 0.0, 0.0, 0.0]),      # not AR(1): a 2-tap box along X
    ([0.2, 0.04, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]),           # too weak to matter
    ([0.69, 0.45, 0.21, 0.11], [0.54, 0.1, -0.08, -0.05]),   # camera noise, read anisotropic
    ([0.6, 0.36, 0.2, 0.1], [0.3, 0.2, 0.1, 0.0]),           # correlated across at lag 2
    ([0.95, 0.9, 0.86, 0.81], [0.0, 0.0, 0.0, 0.0]),         # beyond MAX_COEF
])
def test_other_noise_is_not_whitened(cx, cy):
    assert choose_whitening(cx, cy) is None


@pytest.mark.parametrize("axis", ["X", "Y"])
def test_whitening_decorrelates_and_colouring_undoes_it(axis):
    dim = 1 if axis == "X" else 0
    noise = ar1((256, 256), 0.6, dim).astype(np.float32)
    assert lag1(noise, dim) > 0.5
    w = Whitening(axis, 0.6)
    white = w.whiten(torch.from_numpy(noise)[None, None])
    assert abs(lag1(white[0, 0].numpy(), dim)) < 0.03
    assert abs(lag1(white[0, 0].numpy(), 1 - dim)) < 0.03
    back = w.colour(white)[0, 0].numpy()
    np.testing.assert_allclose(back, noise, atol=1e-4 * np.abs(noise).max())


def test_colouring_keeps_the_mean_and_the_edge():
    w = Whitening("X", 0.5)
    assert abs(w.weights().sum() - 1.0) < 1e-12 and w.weights()[-1] < 1e-5
    flat = torch.full((1, 2, 8, 40), 3.0)
    torch.testing.assert_close(w.colour(flat), flat)
    torch.testing.assert_close(w.whiten(flat), flat)


def test_arrays_whiten_as_tensors_numpy_and_dask_alike():
    import dask.array as da

    a = np.random.default_rng(1).normal(5, 2, (3, 40, 50)).astype(np.float32)
    for axis, letter in ((2, "X"), (1, "Y")):
        expect = Whitening(letter, 0.4).whiten(torch.from_numpy(a)).numpy()
        np.testing.assert_allclose(whiten_array(a, axis, 0.4), expect, rtol=1e-6, atol=1e-5)
        lazy = whiten_array(da.from_array(a, chunks=(1, 16, 16)), axis, 0.4)
        np.testing.assert_allclose(lazy.compute(), expect, rtol=1e-6, atol=1e-5)
    assert a.dtype == np.float32 and a.flags.writeable  # the input is not touched


def test_halo_counts_the_colouring_taps():
    w = Whitening("X", 0.5)
    assert w.halo == w.taps >= 20
    assert extra_halo(None, w) == w.halo and extra_halo(None, None) == 0


@pytest.mark.parametrize(("axis", "coef"), [("Z", 0.5), ("X", 0.0), ("X", 0.95)])
def test_bad_whitening_is_refused(axis, coef):
    with pytest.raises(ValueError, match="whitening needs"):
        Whitening(axis, coef)
