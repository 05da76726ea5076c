"""Detail restore: noise curve estimate, the local Wiener blend, outliers, exact tiling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from infer_nets import tiny_net

from napari_sdap.axes import plane_view
from napari_sdap.infer.curve import estimate_curve
from napari_sdap.infer.gaussian import blur_radius, centre_weight, gaussian
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.passes import FLIPS, dihedral, run_mode
from napari_sdap.infer.refine import (
    Refine,
    apply_curve,
    local_energy,
    repair_outliers,
    restore_weight,
)
from napari_sdap.infer.stream import iter_tiles
from napari_sdap.model.normalize import Normalization


def _t(a):
    return torch.from_numpy(np.asarray(a, np.float32))[None, None]


def test_local_energy_leaves_the_pixel_out_and_cuts_windows_at_borders():
    r = torch.randn(1, 1, 20, 20, generator=torch.Generator().manual_seed(0))
    e = local_energy(r)[0, 0]
    a = r[0, 0].numpy() ** 2
    assert e[10, 10].item() == pytest.approx((a[7:14, 7:14].sum() - a[10, 10]) / 48, rel=1e-5)
    assert e[0, 0].item() == pytest.approx((a[0:4, 0:4].sum() - a[0, 0]) / 15, rel=1e-5)


def test_curve_recovers_signal_dependent_noise_despite_edges():
    rng = np.random.default_rng(0)
    clean = np.repeat(np.linspace(0.1, 0.9, 256, dtype=np.float32)[None], 256, 0)
    clean[:, ::32] += 0.5  # thin lines the "network" missed: residual detail, not noise
    var = 0.0004 + 0.004 * clean
    x = clean + rng.normal(0, 1, clean.shape).astype(np.float32) * np.sqrt(var)
    mu = np.repeat(np.linspace(0.1, 0.9, 256, dtype=np.float32)[None], 256, 0)  # smooth
    yy, xx = np.mgrid[0:256, 0:256]  # a slight wobble, as a network's output has: no ties in
    mu += (0.002 * np.sin(0.37 * yy + 0.11 * xx) * np.cos(0.23 * xx)).astype(np.float32)
    curve = estimate_curve([[(x[None], mu[None])]])  # how flat the output is around a pixel
    levels, got = np.array(curve.levels[0][0]), np.array(curve.variance[0][0])
    want = 0.0004 + 0.004 * levels
    np.testing.assert_allclose(got, want, rtol=0.2)  # white noise reads up to ~10 % low
    assert np.mean(got / want) > 0.85
    assert len(levels) >= 8 and np.all(np.diff(levels) > 0)


def _curve(variance, threshold=1.0):
    return NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[variance, variance]]],
                      threshold=threshold)


def test_flat_noise_keeps_the_network_output_and_missed_edges_come_back():
    rng = np.random.default_rng(1)
    clean = np.full((64, 64), 0.5, np.float32)
    clean[:, 32:] = 0.9  # an edge the network blurred away
    x = clean + rng.normal(0, 0.02, clean.shape).astype(np.float32)
    mu = np.full_like(clean, 0.7)
    mu[:, :28], mu[:, 36:] = 0.5, 0.9
    out = apply_curve(_t(x), _t(mu), _curve(0.02**2), [0])[0, 0].numpy()
    flat = np.s_[:, :20]
    assert np.abs(out[flat] - mu[flat]).mean() < 0.2 * np.abs(x[flat] - mu[flat]).mean()
    edge = np.s_[:, 29:35]
    assert np.abs(out[edge] - clean[edge]).mean() < 0.1 * np.abs(mu[edge] - clean[edge]).mean()
    stricter = apply_curve(_t(x), _t(mu), _curve(0.02**2, 1.5), [0])[0, 0].numpy()
    assert np.abs(stricter[flat] - mu[flat]).mean() <= np.abs(out[flat] - mu[flat]).mean()


def test_a_lone_hot_pixel_is_not_given_back():
    rng = np.random.default_rng(2)
    x = (0.5 + rng.normal(0, 0.02, (32, 32))).astype(np.float32)
    mu = np.full_like(x, 0.5)
    x[16, 16] = 50.0
    out = apply_curve(_t(x), _t(mu), _curve(0.02**2), [0])[0, 0].numpy()
    assert out[16, 16] == pytest.approx(0.5)


def test_windows_of_several_groups_use_their_own_curves():
    x = torch.zeros(2, 1, 16, 16)
    x[:, :, :, 8:] = 1.0
    mu = torch.full_like(x, 0.5)
    curve = NoiseCurve(levels=[[[0.0, 1.0]], [[0.0, 1.0]]],
                       variance=[[[1e-6, 1e-6]], [[100.0, 100.0]]])
    out = apply_curve(x, mu, curve, [0, 1])
    torch.testing.assert_close(out[0], x[0])  # tiny noise: all residual is detail
    torch.testing.assert_close(out[1], mu[1])  # huge noise: nothing is given back


def test_a_second_curve_gives_back_the_larger_share_per_pixel():
    """`at_least`: per pixel the larger restore of the two curves (the student's targets),
    whichever curve would give back more there; a curve turned off adds nothing."""
    g = torch.Generator().manual_seed(5)
    x = torch.rand(1, 1, 40, 40, generator=g)
    mu = x + 0.1 * torch.randn(1, 1, 40, 40, generator=g)
    mu[..., :, 20:] = 0.5  # missed detail on the right: both curves give some of it back
    low = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[0.002, 0.02]]], strength=0.6)
    high = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[0.02, 0.002]]])
    both = Refine(high, at_least=low).after(x, mu, [0])
    share = torch.maximum(restore_weight(x, mu, low, [0]), restore_weight(x, mu, high, [0]))
    torch.testing.assert_close(both, mu + share * (x - mu))
    alone = [Refine(c).after(x, mu, [0]) for c in (low, high)]
    assert not torch.allclose(both, alone[0]) and not torch.allclose(both, alone[1])
    off = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[0.02, 0.02]]], strength=0.0)
    torch.testing.assert_close(Refine(high, at_least=off).after(x, mu, [0]), alone[1])
    torch.testing.assert_close(Refine(off, at_least=low).after(x, mu, [0]), alone[0])
    assert torch.equal(Refine(high, detail=False, at_least=low).after(x, mu, [0]), mu)


def test_the_blur_comes_last_and_only_when_asked():
    """`Refine.blur`: the output after the restore, blurred (also with the gate off, and
    without the restore); a curve's own `blur` is the model's to hand on
    (`SDAPModel.refine`), never applied by the curve itself."""
    g = torch.Generator().manual_seed(6)
    x = torch.rand(1, 2, 30, 40, generator=g)
    mu = x + 0.1 * torch.randn(1, 2, 30, 40, generator=g)
    curve = NoiseCurve(levels=[[[0.0, 1.0]] * 2], variance=[[[0.01, 0.01]] * 2])
    sharp = Refine(curve).after(x, mu, [0])
    torch.testing.assert_close(Refine(curve, blur=1.0).after(x, mu, [0]), gaussian(sharp, 1.0))
    off = curve.model_copy(update={"strength": 0.0})
    torch.testing.assert_close(Refine(off, blur=1.0).after(x, mu, [0]), gaussian(mu, 1.0))
    torch.testing.assert_close(Refine(curve, detail=False, blur=0.7).after(x, mu, [0]),
                               gaussian(mu, 0.7))
    own = curve.model_copy(update={"blur": 1.0})
    assert torch.equal(Refine(own).after(x, mu, [0]), sharp)
    assert NoiseCurve.model_validate(curve.model_dump(exclude={"blur"})).blur == 0.0
    with pytest.raises(ValueError, match="blur"):
        curve.model_validate({**curve.model_dump(), "blur": 4.0})


def test_the_mix_with_the_blurred_input_comes_last_and_only_when_asked():
    """`Refine.mix`: after the restore and the blur, that share of the (repaired) input
    blurred by `mix_blur` px without the centre tap replaces as much of the output; the halo
    grows by the wider of the two blurs; a curve's own `mix` is the model's to hand on."""
    g = torch.Generator().manual_seed(7)
    x = torch.rand(1, 2, 30, 40, generator=g)
    mu = x + 0.1 * torch.randn(1, 2, 30, 40, generator=g)
    curve = NoiseCurve(levels=[[[0.0, 1.0]] * 2], variance=[[[0.01, 0.01]] * 2])
    before = Refine(curve, blur=0.7).after(x, mu, [0])
    mixed = Refine(curve, blur=0.7, mix=0.4, mix_blur=2.0).after(x, mu, [0])
    g0 = centre_weight(2.0)  # the input blurred without the pixel itself
    torch.testing.assert_close(mixed, 0.6 * before + 0.4 * (gaussian(x, 2.0) - g0 * x) / (1 - g0))
    assert torch.equal(Refine(curve, mix=0.0, mix_blur=2.0).after(x, mu, [0]),
                       Refine(curve).after(x, mu, [0]))
    guarded = Refine(curve, blur=0.7, mix=0.4, mix_blur=2.0, mix_guard=1.5).after(x, mu, [0])
    apart = (gaussian(x, 2.0) - g0 * x) / (1 - g0) - before  # noise std 0.1 everywhere
    share = (2.0 - apart.abs() / 0.15).clamp(0.0, 1.0)
    torch.testing.assert_close(guarded, before + 0.4 * share * apart)
    assert 0 < (share == 1).float().mean() < 1 and (share == 0).any()
    base = Refine(curve).halo
    assert Refine(curve, mix=0.4, mix_blur=2.0).halo == base + blur_radius(2.0)
    assert Refine(curve, blur=1.5, mix=0.4, mix_blur=0.5).halo == base + blur_radius(1.5)
    assert Refine(curve, mix=0.0, mix_blur=2.0).halo == base
    assert Refine(curve, blur=1.0, colour_blur=1.5).halo == base + 3 + 5  # one after the other
    own = curve.model_copy(update={"mix": 0.5, "mix_blur": 1.0, "mix_guard": 2.0})
    assert torch.equal(Refine(own).after(x, mu, [0]), Refine(curve).after(x, mu, [0]))
    old = NoiseCurve.model_validate(curve.model_dump(exclude={"mix", "mix_blur", "mix_guard"}))
    assert old.mix == old.mix_guard == 0.0
    with pytest.raises(ValueError, match="mix"):
        curve.model_validate({**curve.model_dump(), "mix": 1.5})


@pytest.mark.parametrize(("detail", "flips", "blur", "mix"),
                         [(True, 1, 0.0, 0.0), (False, 1, 0.0, 0.0), (True, 4, 0.0, 0.0),
                          (True, 1, 1.5, 0.0), (True, 4, 0.7, 0.0), (False, 1, 2.0, 0.0),
                          (True, 1, 0.0, 0.5), (True, 4, 0.7, 0.3)])
@pytest.mark.parametrize("mode", ["bsn", "sdap", "sdap_e"])
def test_tiled_refine_equals_the_whole_plane(mode, detail, flips, blur, mix):
    """With flips, each orientation gets its own restore (and output blur and mix) before the
    average; the blurs widen the halo."""
    net = tiny_net(1)
    img = np.random.default_rng(3).random((61, 77)).astype(np.float32)
    img[30, 40] = 9.0  # an outlier on a tile seam's neighbourhood: the repair must tile too
    img[16, 17] = -5.0
    refine = Refine(_curve(0.01), detail=detail, blur=blur, mix=mix, mix_blur=2.5 if mix else 0,
                    mix_guard=1.0 if mix else 0)
    wider = max(blur_radius(blur), blur_radius(2.5) if mix else 0)
    assert refine.halo == Refine(_curve(0.01), detail=detail).halo + wider
    out = np.full(img.shape, np.nan, np.float32)
    list(iter_tiles(net, Normalization(low=[0.0], high=[1.0]), img, plane_view(img.shape, "YX"),
                    out, mode=mode, pd_stride=2, device=torch.device("cpu"), tile=16,
                    refine=refine, flips=flips))
    x = refine.before(_t(img), [0])
    padded = torch.nn.functional.pad(x, (0, 1 if mode != "bsn" else 0) * 2, mode="replicate")
    want = 0
    for k in FLIPS[flips]:  # odd plane: the pixel-shuffle modes turn the stride-padded plane
        xk = dihedral(padded if k else x, k)
        y = dihedral(refine.after(xk, run_mode(net, xk, mode, 2), [0]), k, inverse=True)
        want = want + y[..., :61, :77] / flips
    np.testing.assert_allclose(out, want[0, 0].numpy(), atol=1e-5)


def test_repair_replaces_isolated_outliers_and_keeps_thin_structures():
    rng = np.random.default_rng(5)
    img = (0.3 + rng.normal(0, 0.02, (40, 40))).astype(np.float32)
    img[10, :] += 0.5  # a line one pixel wide: each pixel has two bright neighbours
    img[25:27, 25:27] += 0.5  # a 2 x 2 spot
    spiked = img.copy()
    spiked[20, 20], spiked[30, 5], spiked[0, 0] = 5.0, -3.0, 4.0  # hot, dead, corner
    fixed = repair_outliers(_t(spiked), _curve(0.02 ** 2), [0])[0, 0].numpy()
    changed = np.argwhere(fixed != spiked)
    assert sorted(map(tuple, changed)) == [(0, 0), (20, 20), (30, 5)]
    assert abs(fixed[20, 20] - 0.3) < 0.05 and abs(fixed[30, 5] - 0.3) < 0.05
    np.testing.assert_array_equal(repair_outliers(_t(img), _curve(0.02 ** 2), [0]), _t(img))


def test_bins_closer_than_half_a_noise_std_are_merged():
    """An output that barely varies (here by 1e-4 against noise std 0.1) gets one level, so float
    rounding of the output cannot move the noise level it reads."""
    rng = np.random.default_rng(4)
    mu = (0.5 + 1e-4 * rng.random((1, 128, 128))).astype(np.float32)
    x = mu + rng.normal(0, 0.1, mu.shape).astype(np.float32)
    curve = estimate_curve([[(x, mu)]])
    assert len(curve.levels[0][0]) == 1
    # the lagged product (the larger of two means) takes a little of white noise: ~10 % low
    assert 0.85 * 0.01 < curve.variance[0][0][0] < 1.05 * 0.01
