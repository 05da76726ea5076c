"""The blur of the student's targets, chosen from the noisy data (`infer.smoothing`)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.infer.smoothing import SIGMAS, blur, blur_radius, choose_blur
from napari_sdap.infer.tiling import Tile

EDGE = 192
PAD = blur_radius(max(SIGMAS))


def _tile() -> Tile:
    """The whole window, with the blur's halo kept out of the counted pixels."""
    inner = slice(PAD, EDGE - PAD)
    whole = slice(0, EDGE)
    return Tile(0, inner, inner, whole, whole)


def _smooth(seed: int = 0, sigma: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[:EDGE, :EDGE]
    clean = (0.5 + 0.2 * np.sin(xx / 11.0) * np.cos(yy / 15.0)).astype(np.float32)
    noisy = clean + np.random.default_rng(seed).normal(0, sigma, clean.shape)
    return clean, noisy.astype(np.float32)


def _truth(t: np.ndarray, clean: np.ndarray, sigma: float) -> float:
    """The true decrease of the mean squared error (counted pixels) from blurring `t`."""
    iy = ix = _tile().inner[0]
    err = lambda a: float(((a[0, iy, ix] - clean[iy, ix]) ** 2).mean())  # noqa: E731
    return err(t) - err(blur(t, sigma))


def test_blur_keeps_levels_and_sigma_zero_is_the_identity() -> None:
    a = np.random.default_rng(1).normal(size=(2, 40, 50)).astype(np.float32)
    assert blur(a, 0.0) is a
    flat = np.full((1, 30, 30), 3.5, np.float32)
    np.testing.assert_allclose(blur(flat, 1.2), flat, rtol=1e-6)
    out = blur(a, 0.9)
    assert out.shape == a.shape and out.std() < 0.7 * a.std()
    assert blur_radius(0.0) == 0 and blur_radius(0.5) == 2 and blur_radius(1.2) == 4


def _blind_mean(w: np.ndarray) -> np.ndarray:
    """Mean of the 8 neighbours (a blind-spot "teacher": its result never sees the pixel)."""
    p = np.pad(w, ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, v = w.shape[-2:]
    return (sum(p[:, dy : dy + h, dx : dx + v] for dy in range(3) for dx in range(3))
            - w) / 8.0


def test_a_noisy_result_is_blurred_with_the_estimated_gain_close_to_the_truth() -> None:
    """A blind 3 x 3 mean of a smooth image keeps an eighth of the noise, which a blur takes
    off: the estimate from the noisy data (the neighbours' share of each pixel through the
    probe, the variance from the 2 x 2 block curve, its flat blocks found in an ideal
    blind-spot output) is within 5 % of the truth."""
    clean, noisy = _smooth()
    got = choose_blur(lambda w, g: (w, _blind_mean(w)), [(noisy[None], 0, _tile())],
                      blind=lambda w, g: (w, clean[None].copy()))
    assert got is not None and got.sigma >= 0.7
    true_gain = _truth(_blind_mean(noisy[None]), clean, got.sigma) / 0.1**2
    assert got.gain == pytest.approx(true_gain, rel=0.05)
    assert got.stderr < 0.25 * got.gain
    assert [s for s, _ in got.tried] == list(SIGMAS)
    assert dict(got.tried)[got.sigma] == got.gain == max(g for _, g in got.tried)
    assert got.pixels == (EDGE - 2 * PAD) ** 2


def test_a_clean_result_is_not_blurred() -> None:
    """A result that is already the clean image (Jacobian 0) on a textured image: every blur
    loses, and none is chosen."""
    rng = np.random.default_rng(2)
    clean = rng.uniform(0.2, 0.8, (EDGE, EDGE)).astype(np.float32)
    noisy = (clean + rng.normal(0, 0.05, clean.shape)).astype(np.float32)
    got = choose_blur(lambda w, g: (w, clean[None].copy()), [(noisy[None], 0, _tile())])
    assert got is not None and got.sigma == 0.0 and got.gain < 0


def test_a_result_with_little_noise_left_gets_a_light_blur_or_none() -> None:
    """A result that keeps 20 % of the noise over a smooth image: the blur chosen, if any, is
    one the truth agrees gains."""
    clean, noisy = _smooth(seed=3)
    got = choose_blur(lambda w, g: (w, clean[None] + 0.2 * (w - clean[None])),
                      [(noisy[None], 0, _tile())])
    assert got is not None
    if got.sigma:
        result = clean[None] + 0.2 * (noisy[None] - clean[None])
        assert _truth(result, clean, got.sigma) > 0


def test_clipped_data_are_not_counted() -> None:
    """Every pixel at the clipping floor or next to it: nothing is counted, no choice."""
    _, noisy = _smooth(seed=4)
    floor = np.minimum(noisy, 0.5)  # about half the pixels read exactly the floor
    floor[::2, ::2] = 0.5
    assert choose_blur(lambda w, g: (w, w.copy()), [(floor[None], 0, _tile())]) is None


def test_pixels_within_the_blurs_reach_of_a_plane_border_are_not_counted() -> None:
    """A tile whose window ends at the plane (here on every side): its outer `blur_radius`
    pixels, where the blur reads mirrored pixels, are left out of the estimate."""
    _, noisy = _smooth(seed=5)
    whole = slice(0, EDGE)
    got = choose_blur(lambda w, g: (w, _blind_mean(w)),
                      [(noisy[None], 0, Tile(0, whole, whole, whole, whole))])
    assert got is not None and got.pixels == (EDGE - 2 * PAD) ** 2
