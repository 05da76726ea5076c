"""The detail restore's gate: never costs more than 0.1 dB against the network alone.

The network is stood in for by a ring mean (the mean of the 5 x 5 neighbours without the pixel
itself): like a blind-spot network it never sees the pixel it predicts, and it smooths detail.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from napari_sdap.infer.curve import estimate_curve
from napari_sdap.infer.gate import choose_gate
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.refine import apply_curve


def _ring_mean(x: np.ndarray, k: int = 5) -> np.ndarray:
    t = torch.from_numpy(x.astype(np.float32))[None, None]
    w = torch.ones(1, 1, k, k)
    w[..., k // 2, k // 2] = 0.0
    return F.conv2d(F.pad(t, (k // 2,) * 4, mode="reflect"), w / w.sum())[0, 0].numpy()


def _blobs(seed: int, n: int = 160) -> np.ndarray:
    """Smooth cells on a dark background, 0..1."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    img = np.zeros((n, n), np.float32)
    for _ in range(20):
        cy, cx = rng.uniform(0, n, 2)
        s = rng.uniform(3, 10)
        img += rng.uniform(0.3, 1.0) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    return img / img.max()


def _psnr(a: np.ndarray, ref: np.ndarray, peak: float) -> float:
    return float(10 * np.log10(peak**2 / np.mean((a.astype(np.float64) - ref) ** 2)))


def _restore(x: np.ndarray, mu: np.ndarray, curve: NoiseCurve) -> np.ndarray:
    t = torch.from_numpy
    return apply_curve(t(x[None, None]), t(mu[None, None]), curve, [0])[0, 0].numpy()


def _gains(x: np.ndarray, clean: np.ndarray, peak: float) -> tuple[float, float, NoiseCurve]:
    """(gated, ungated) PSNR change of the restore against the network alone."""
    mu = _ring_mean(x)
    curve = estimate_curve([[(x[None], mu[None])]])
    ungated = curve.model_copy(update={"threshold": 1.0, "strength": 1.0})
    plain = _psnr(mu, clean, peak)
    return (_psnr(_restore(x, mu, curve), clean, peak) - plain,
            _psnr(_restore(x, mu, ungated), clean, peak) - plain, curve)


def test_clipped_low_photon_8bit_restore_costs_at_most_0_1_db():
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        photons = _blobs(seed) * 6.0  # peak 6 photons, 3 grey levels each
        x = np.clip(np.round(3 * (rng.poisson(photons) + rng.normal(0, 0.5, photons.shape))
                             + 0.5), 0, 255).astype(np.float32)
        assert np.mean(x == 0) > 0.3  # most of the dark background clipped at 0
        gated, ungated, _ = _gains(x, 3 * photons + 0.5, 255.0)
        assert ungated < -0.5  # the restore at full strength costs (the failure reported)
        assert gated > -0.1


def test_strong_poisson_gaussian_restore_costs_at_most_0_1_db():
    for seed in (2, 3):
        rng = np.random.default_rng(seed)
        clean = _blobs(seed) * 255.0
        x = (rng.poisson(clean / 255.0 * 5.0) / 5.0 * 255.0
             + rng.normal(0, 2.0, clean.shape)).astype(np.float32)
        gated, ungated, _ = _gains(x, clean, 255.0)
        assert ungated < -0.5
        assert gated > -0.1


def test_gate_keeps_the_gain_where_the_network_misses_detail():
    """Weak noise on fine texture (left half) that the ring mean smooths away, next to smooth
    cells (right half): the restore must still help."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:160, 0:160].astype(np.float32)
    texture = 0.2 * np.sin(xx * 1.3) * np.cos(yy * 0.9) * (xx < 80)
    clean = 0.3 + texture + 0.4 * _blobs(5)
    x = (clean + rng.normal(0, 0.02, clean.shape)).astype(np.float32)
    gated, ungated, curve = _gains(x, clean, 1.0)
    assert curve.strength > 0.5
    assert gated > 2.0 and gated > 0.8 * ungated  # most of the full-strength gain kept


def test_gate_turns_the_restore_off_when_it_cannot_gain():
    """Pure noise around a perfect network output: no threshold gains, strength 0."""
    rng = np.random.default_rng(6)
    mu = np.full((1, 96, 96), 0.5, np.float32)
    x = (mu + rng.normal(0, 0.1, mu.shape)).astype(np.float32)
    curve = estimate_curve([[(x, mu)]])
    assert curve.strength == 0.0
    np.testing.assert_array_equal(_restore(x[0], mu[0], curve), mu[0])


def test_choose_gate_prefers_the_threshold_with_the_larger_estimated_gain():
    rng = np.random.default_rng(7)
    n = 64 * 64
    mu = np.full(n, 0.5)
    r2 = rng.chisquare(1, n) * 0.01
    energy = np.full(n, 0.03)  # 3x the noise everywhere: a clear gain at threshold 1
    curve = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[0.01, 0.01]]])
    held = [[(mu + 0.1, mu, r2 + 0.02, energy, np.ones(n))]]  # residual holds detail
    t, k, change = choose_gate(held, curve, [[(np.array([0.0, 1.0]), np.array([0.01, 0.01]))]])
    assert t == 1.0 and 0.0 < k <= 1.0 and change < 0.0


def test_curves_saved_without_strength_restore_at_full_strength():
    old = NoiseCurve.model_validate({"levels": [[[0.0, 1.0]]], "variance": [[[0.01, 0.01]]],
                                     "threshold": 1.5})
    assert old.strength == 1.0
    assert NoiseCurve.model_validate_json(old.model_dump_json()) == old


def test_the_held_out_estimate_matches_the_true_change_of_the_error():
    """Stein's estimate needs no clean image: on white noise around a ring-mean output it
    agrees with the change measured against the clean image."""
    from napari_sdap.infer.refine import blend_gain, local_energy

    rng = np.random.default_rng(8)
    yy, xx = np.mgrid[0:192, 0:192].astype(np.float32)
    clean = (0.2 + 0.6 * _blobs(8, 192) + 0.1 * np.sin(xx * 1.1) * (yy < 96)).astype(np.float32)
    x = (clean + rng.normal(0, 0.05, clean.shape)).astype(np.float32)
    mu = _ring_mean(x)
    r = torch.from_numpy(x - mu)
    energy = local_energy(r[None, None])[0, 0]
    s2 = torch.full_like(r, 0.05**2)
    held = [[(x.ravel(), mu.ravel(), (r * r).numpy().ravel(), energy.numpy().ravel(),
              np.ones(x.size))]]
    flat = (np.array([0.0, 1.0]), np.array([0.05**2, 0.05**2]))
    curve = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[0.05**2, 0.05**2]]])
    t, k, change = choose_gate(held, curve, [[flat]])
    assert k > 0.0  # the ring mean blurs the cells: giving back helps
    gain = k * blend_gain(r * r, energy, s2, t).numpy()
    true = float(np.mean((mu + gain * (x - mu) - clean) ** 2 - (mu - clean) ** 2))
    assert true < 0.0 and abs(change - true) < 0.15 * abs(true)


def test_a_rescaled_gate_curve_gives_back_less_and_leaves_the_model_curve():
    """`rescale` (noise correlated at the stride, `infer.noise_reach.gate_scale`) reaches the
    gate's curve only: read four times higher, the texture's residual no longer pays for
    itself, while the curve the restore reads is the same; the plain curve never asks."""
    rng = np.random.default_rng(5)  # the texture of the test above
    yy, xx = np.mgrid[0:160, 0:160].astype(np.float32)
    clean = 0.3 + 0.2 * np.sin(xx * 1.3) * np.cos(yy * 0.9) * (xx < 80) + 0.4 * _blobs(5)
    x = (clean + rng.normal(0, 0.02, clean.shape)).astype(np.float32)
    pairs = [[(x[None], _ring_mean(x)[None])]]
    asked: list[int] = []

    def four(group: int, curves: list) -> list[float]:
        asked.append(group)
        return [4.0] * len(curves)

    plain = estimate_curve(pairs)
    scaled = estimate_curve(pairs, rescale=four)
    assert asked == [0]
    assert scaled.levels == plain.levels and scaled.variance == plain.variance
    assert plain.strength > 0.5
    assert (scaled.strength, -scaled.threshold) < (plain.strength, -plain.threshold)

    def never(group: int, curves: list) -> list[float]:
        raise AssertionError("the plain curve has no gate curve to scale")

    estimate_curve(pairs, plain=True, rescale=never)
