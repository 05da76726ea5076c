"""The detail restore's noise curve where the network missed detail everywhere (weak noise on
a textured photograph), and with spatially correlated noise."""

from __future__ import annotations

import numpy as np
import torch

from napari_sdap.infer.curve import estimate_curve
from napari_sdap.infer.lags import lag_product
from napari_sdap.infer.refine import apply_curve, local_energy


def _texture(rng: np.random.Generator, n: int = 256) -> np.ndarray:
    """Detail over the whole image, as on a photograph of objects: 600 overlapping rectangles
    (2-24 px a side) of random brightness, so that edges and thin bars are everywhere."""
    a = np.full((n, n), 0.5, np.float32)
    for _ in range(600):
        y, x = rng.integers(0, n, 2)
        h, w = rng.integers(2, 25, 2)
        a[y : y + h, x : x + w] = rng.uniform(0.3, 0.7)
    return a


def _blur(a: np.ndarray, k: int = 5) -> np.ndarray:
    """What a network that missed the texture returns: a k x k box mean."""
    p = np.pad(a, k // 2, mode="reflect")
    h, w = a.shape
    return (sum(p[dy : dy + h, dx : dx + w] for dy in range(k) for dx in range(k)) / k**2
            ).astype(np.float32)


def _box_noise(rng: np.random.Generator, shape: tuple[int, int], std: float) -> np.ndarray:
    """Gaussian noise box-filtered over 2 x 2 pixels: neighbours correlated 0.5, lag 2 none."""
    w = rng.normal(0, 1, (shape[0] + 1, shape[1] + 1))
    box = sum(w[dy : dy + shape[0], dx : dx + shape[1]] for dy in range(2) for dx in range(2))
    return (std * box / 2.0).astype(np.float32)


def test_curve_reads_the_noise_not_the_texture_the_network_missed():
    rng = np.random.default_rng(1)
    clean = _texture(rng)
    std = 0.01  # weak noise: the missed texture's energy is ~10x the noise's
    x = clean + rng.normal(0, std, clean.shape).astype(np.float32)
    mu = _blur(clean)
    missed = float(np.median(local_energy(torch.from_numpy(x - mu)[None, None])))
    assert missed > 5 * std**2  # what a plain median of the residual energy would read
    curve = estimate_curve([[(x[None], mu[None])]])
    got = np.array(curve.variance[0][0])
    assert np.all(got < 3.0 * std**2), got / std**2  # the plain median: 13x
    assert np.all(got > 0.5 * std**2), got / std**2
    # with the curve read right, the restore gives the texture back: far above the network
    out = apply_curve(torch.from_numpy(x)[None, None], torch.from_numpy(mu)[None, None], curve,
                      [0])[0, 0].numpy()
    err_out, err_mu = np.mean((out - clean) ** 2), np.mean((mu - clean) ** 2)
    assert err_out < 0.1 * err_mu
    assert err_out < std**2  # better than the noisy input


def test_curve_of_correlated_noise_takes_the_lag_past_the_correlation():
    rng = np.random.default_rng(2)
    clean = np.full((256, 256), 0.5, np.float32)
    std = 0.05
    x = clean + _box_noise(rng, clean.shape, std)
    mu = clean + 0.0
    past = np.array(estimate_curve([[(x[None], mu[None])]], threshold=1.5, lag=2).variance[0][0])
    assert np.all(np.abs(past / std**2 - 1.0) < 0.2), past / std**2
    # at lag 1 the noise itself is taken for detail: the curve reads about half the variance
    within = np.array(estimate_curve([[(x[None], mu[None])]], threshold=1.5, lag=1).variance[0][0])
    assert np.all(within < 0.7 * std**2), within / std**2


def test_lag_product_finds_a_line_along_either_axis_and_not_white_noise():
    rng = np.random.default_rng(3)
    noise = torch.from_numpy(rng.normal(0, 1, (1, 1, 128, 128)).astype(np.float32))
    assert abs(float(lag_product(noise).mean())) < 0.15  # the larger of two means: small bias
    for axis in (2, 3):
        line = torch.zeros(1, 1, 128, 128)
        line.index_fill_(axis, torch.tensor([64]), 1.0)
        d = lag_product(line)
        e = local_energy(line)
        near = (slice(None), slice(None), slice(60, 69), slice(60, 69))
        torch.testing.assert_close(d[near][e[near] > 0], e[near][e[near] > 0], rtol=0.05,
                                   atol=1e-6)


def test_intensities_only_edges_reach_do_not_read_as_noise():
    """Dark discs on a bright background, blurred by the network: the intensities between the
    two are only found on the edges, whose missed contrast no lag takes off."""
    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[0:256, 0:256]
    clean = np.full((256, 256), 0.8, np.float32)
    for cy, cx in rng.integers(20, 236, (40, 2)):
        clean[(yy - cy) ** 2 + (xx - cx) ** 2 < rng.integers(25, 200)] = 0.2
    std = 0.01
    x = clean + rng.normal(0, std, clean.shape).astype(np.float32)
    mu = _blur(clean, 7)
    curve = estimate_curve([[(x[None], mu[None])]])
    got = np.array(curve.variance[0][0])
    assert got.max() < 8 * std**2, got / std**2  # uncapped: 186x; Poisson growth allows 6x
    out = apply_curve(torch.from_numpy(x)[None, None], torch.from_numpy(mu)[None, None], curve,
                      [0])[0, 0].numpy()
    assert np.mean((out - clean) ** 2) < std**2  # better than the noisy input


def test_plain_curve_for_student_targets_is_the_bin_median_without_a_gate():
    rng = np.random.default_rng(5)
    clean = _texture(rng)
    x = clean + rng.normal(0, 0.01, clean.shape).astype(np.float32)
    mu = _blur(clean)
    plain = estimate_curve([[(x[None], mu[None])]], threshold=1.5, plain=True)
    default = estimate_curve([[(x[None], mu[None])]], threshold=1.5)
    assert plain.threshold >= 1.5 and plain.strength == 1.0
    energy = local_energy(torch.from_numpy(x - mu)[None, None])[0, 0].numpy()
    assert np.median(plain.variance[0][0]) > 0.5 * np.median(energy)  # the missed texture
    assert min(plain.variance[0][0]) > 2 * max(default.variance[0][0])



def test_the_flattest_quarter_of_a_bin_of_borders_is_read_without_a_warning():
    """A bin whose pixels are mostly window borders (`_inner`: infinity): the quantile falls
    between two of them, numpy gives nan (the caller then takes the whole bin), silently."""
    import warnings

    from napari_sdap.infer.curve import _flattest

    rough = np.array([0.5, np.inf, np.inf, np.inf, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(_flattest(rough, 0.75))
        assert _flattest(np.array([3.0, 1.0, 2.0, np.inf, 0.0]), 0.25) == 1.0
