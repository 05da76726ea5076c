"""The output blur for correlated noise, chosen from the noisy data (`infer.correlated`)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.infer.correlated import (
    LAGS,
    MAX_FACTOR,
    SIGMAS,
    Covariance,
    choose_output_blur,
    correlated_probe,
    noise_covariance,
)
from napari_sdap.infer.gaussian import blur_radius
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.smoothing import blur
from napari_sdap.infer.tiling import Tile

EDGE = 192
PAD = blur_radius(max(SIGMAS))
FLAT = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[1.0, 1.0]]])
"""A curve of the right shape (flat) and the wrong scale: the estimate reads the scale."""


def _tile() -> Tile:
    inner = slice(PAD, EDGE - PAD)
    whole = slice(0, EDGE)
    return Tile(0, inner, inner, whole, whole)


def _box_noise(sigma: float, seed: int = 0) -> np.ndarray:
    """Gaussian noise of std `sigma` correlated by a 2 x 2 box: 0.5 between neighbours along
    the axes, 0.25 along the diagonals, none 2 pixels apart."""
    w = np.random.default_rng(seed).normal(0, sigma, (EDGE + 1, EDGE + 1))
    return ((w[:-1, :-1] + w[1:, :-1] + w[:-1, 1:] + w[1:, 1:]) / 2.0).astype(np.float32)


def _smooth() -> np.ndarray:
    yy, xx = np.mgrid[:EDGE, :EDGE]
    return (0.5 + 0.2 * np.sin(xx / 13.0) * np.cos(yy / 17.0)).astype(np.float32)


def _mean3(w: np.ndarray) -> np.ndarray:
    """A 3 x 3 mean (a "network" that keeps much of the correlated noise)."""
    p = np.pad(w, ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, v = w.shape[-2:]
    return sum(p[:, dy : dy + h, dx : dx + v] for dy in range(3) for dx in range(3)) / 9.0


def test_the_noise_covariance_is_read_from_a_flat_region():
    x = (0.5 + _box_noise(0.1))[None]
    ok = np.ones(x.shape, bool)
    cov = noise_covariance([(x, np.full_like(x, 0.5), 0, ok)], FLAT)
    assert cov is not None and cov.kernel.shape == (2 * LAGS + 1,) * 2
    k = cov.kernel
    assert k[LAGS, LAGS] == 1.0
    assert k[LAGS, LAGS + 1] == pytest.approx(0.5, abs=0.05)
    assert k[LAGS + 1, LAGS] == pytest.approx(0.5, abs=0.05)
    assert k[LAGS + 1, LAGS + 1] == pytest.approx(0.25, abs=0.05)
    assert abs(k[LAGS, LAGS + 2]) < 0.05 and abs(k[LAGS + 3, LAGS - 3]) < 0.05
    np.testing.assert_allclose(k, k[::-1, ::-1])  # C(d) = C(-d)
    assert cov.sill[(0, 0)] == pytest.approx(0.01, rel=0.08)
    assert cov.factor[(0, 0)] == pytest.approx(cov.sill[(0, 0)])  # the flat curve reads 1
    none = noise_covariance([(x, x, 0, np.zeros(x.shape, bool))], FLAT)
    assert none is None  # no pixel counted: nothing to read


def test_probes_have_the_kernels_correlations():
    kernel = np.zeros((2 * LAGS + 1,) * 2)
    kernel[LAGS, LAGS] = 1.0
    for d, v in (((0, 1), 0.5), ((1, 0), 0.4), ((1, 1), 0.2), ((1, -1), 0.1)):
        kernel[LAGS + d[0], LAGS + d[1]] = kernel[LAGS - d[0], LAGS - d[1]] = v
    b = correlated_probe(np.random.default_rng(0), (2, 256, 256), kernel).astype(np.float64)
    var = (b * b).mean()
    assert var == pytest.approx(1.0, rel=0.05)
    for (dy, dx), v in (((0, 1), 0.5), ((1, 0), 0.4), ((1, 1), 0.2), ((1, -1), 0.1),
                        ((0, 2), 0.0)):
        a = b[:, max(dy, 0):, max(dx, 0):][:, : 256 - abs(dy), : 256 - abs(dx)]
        c = b[:, max(-dy, 0):, max(-dx, 0):][:, : 256 - abs(dy), : 256 - abs(dx)]
        if dx < 0:
            a, c = b[:, dy:, : 256 + dx], b[:, : 256 - dy, -dx:]
        assert (a * c).mean() / var == pytest.approx(v, abs=0.03)


def _true_gain(f: np.ndarray, clean: np.ndarray, sigma: float) -> float:
    iy = ix = _tile().inner[0]
    err = lambda a: float(((a[0, iy, ix] - clean[iy, ix]) ** 2).mean())  # noqa: E731
    return err(f) - err(blur(f, sigma))


def _box_covariance(variance: float) -> Covariance:
    k = np.zeros((2 * LAGS + 1,) * 2)
    k[LAGS - 1 : LAGS + 2, LAGS - 1 : LAGS + 2] = [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5],
                                                  [0.25, 0.5, 0.25]]
    return Covariance(k, {(0, 0): variance}, {(0, 0): variance})


def test_with_the_true_covariance_the_estimate_is_the_true_gain():
    """A 3 x 3 mean of a smooth image keeps much of the box-correlated noise, which a blur
    takes off: Stein's estimate for correlated noise (probes with the noise's covariance, the
    neighbours' share through the finite difference) is within 10 % of the true gain."""
    clean = _smooth()
    noisy = clean + _box_noise(0.1, seed=1)
    got = choose_output_blur(lambda w, g: (w, _mean3(w)), [(noisy[None], 0, _tile())], FLAT,
                             cov=_box_covariance(0.01))
    assert got is not None
    f = _mean3(noisy[None])
    for sigma, gain in got.tried:
        truth = _true_gain(f, clean, sigma) / 0.01
        assert gain == pytest.approx(truth, rel=0.1)
    best = max(got.tried, key=lambda t: t[1])
    assert got.sigma == best[0] and got.gain == pytest.approx(best[1])
    assert got.gain > 2 * got.stderr > 0


def test_read_from_the_noisy_data_the_estimate_errs_towards_less_blur():
    """The covariance read from the data (variance 12 % low here) makes the estimate lower
    than the truth, never higher: a blur that helps is still chosen."""
    clean = _smooth()
    noisy = clean + _box_noise(0.1, seed=1)
    got = choose_output_blur(lambda w, g: (w, _mean3(w)), [(noisy[None], 0, _tile())], FLAT)
    assert got is not None and got.sigma in SIGMAS
    f = _mean3(noisy[None])
    for sigma, gain in got.tried:
        truth = _true_gain(f, clean, sigma) / 0.01
        assert 0.5 * truth < gain < 1.02 * truth
    assert _true_gain(f, clean, got.sigma) > 0


def test_texture_with_weak_noise_is_never_blurred():
    """The output is the input itself on a fine texture: every blur loses detail. The texture
    leaves no flat pixels, so the variogram reads it as noise; the cap at `MAX_FACTOR` times the
    noise curve (here the true variance) keeps the estimate from blurring it."""
    yy, xx = np.mgrid[:EDGE, :EDGE]
    clean = (0.5 + 0.3 * np.sin(xx / 1.3) * np.cos(yy / 1.7)).astype(np.float32)
    noisy = clean + _box_noise(0.02, seed=2)
    curve = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[4e-4, 4e-4]]])
    got = choose_output_blur(lambda w, g: (w, w.copy()), [(noisy[None], 0, _tile())], curve)
    assert got is not None and got.sigma == 0.0
    assert all(gain < 0 for _, gain in got.tried)
    cov = noise_covariance([(noisy[None], noisy[None], 0, np.ones((1, EDGE, EDGE), bool))],
                           curve)
    assert cov is not None and cov.factor[(0, 0)] == pytest.approx(MAX_FACTOR)


def test_a_window_too_small_to_count_gives_no_estimate():
    small = (0.5 + _box_noise(0.1)[:20, :20])[None]
    tile = Tile(0, slice(PAD, 20 - PAD), slice(PAD, 20 - PAD), slice(0, 20), slice(0, 20))
    assert choose_output_blur(lambda w, g: (w, w), [(small, 0, tile)], FLAT) is None
