"""The mix of the blind-spot output with a blurred input, chosen by J-invariance
(`infer.mixing`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_sdap.infer.gaussian import blur_radius, centre_weight, gaussian
from napari_sdap.infer.mixing import (
    MIN_GAIN,
    SIGMAS,
    choose_mix,
    donut,
    guard,
    masked_output,
)

EDGE = 128


def test_the_donut_leaves_out_the_pixel_itself():
    x = np.zeros((1, 31, 31))
    x[0, 15, 15] = 1.0
    d = donut(x, 1.5)
    assert d[0, 15, 15] == pytest.approx(0.0, abs=1e-7)
    assert d[0, 15, 16] > 0 and d.sum() == pytest.approx(1.0, rel=1e-6)  # renormalised
    flat = np.full((2, 20, 20), 3.0)
    np.testing.assert_allclose(donut(flat, 2.0), flat, rtol=1e-6)
    g = gaussian(torch.from_numpy(x.astype(np.float32))[None], 1.5)[0].numpy()
    assert centre_weight(1.5) == pytest.approx(float(g[0, 15, 15]), rel=1e-5)
    assert centre_weight(0.0) == 0.0


def _smooth(seed: int = 0) -> np.ndarray:
    yy, xx = np.mgrid[:EDGE, :EDGE]
    return (0.5 + 0.25 * np.sin(xx / 17.0 + seed) * np.cos(yy / 23.0))[None]


def _windows(clean, mu, sigma, seed=1, count=4):
    """Noisy windows of `clean` (white Gaussian noise of `sigma`) with the estimate `mu`(noisy),
    the noise std and the pixels to count."""
    rng = np.random.default_rng(seed)
    reach = blur_radius(max(SIGMAS))
    inner = (slice(reach, EDGE - reach), slice(reach, EDGE - reach))
    out = []
    for _ in range(count):
        x = clean + rng.normal(0, sigma, clean.shape)
        out.append((x, mu(x, rng), np.full(clean.shape, sigma), inner))
    return out


def _mixed(x, mu, std, mix):
    """`mu` with `mix` applied as `Refine.after` does."""
    apart = donut(x, mix.sigma) - mu
    return mu + mix.share * guard(np.abs(apart) / std, mix.guard) * apart


def _true_gain(pairs, clean, mix):
    """The true decrease of the mean squared error against `clean` when `mix` of the input
    blurred without the centre tap is mixed into `mu`, as a share of mean((x - mu)**2)."""
    before, after, base = [], [], []
    for x, mu, std, (iy, ix) in pairs:
        h = _mixed(x, mu, std, mix)
        before.append(((mu - clean)[:, iy, ix] ** 2).mean())
        after.append(((h - clean)[:, iy, ix] ** 2).mean())
        base.append(((x - mu)[:, iy, ix] ** 2).mean())
    return (np.mean(before) - np.mean(after)) / np.mean(base)


def test_a_poor_blind_spot_output_of_a_smooth_image_gets_a_mix_that_helps():
    """Strong noise on a smooth image, and a blind-spot output that errs by half the noise
    (its error independent of the pixel's own noise): a mix is chosen, and it gains."""
    clean = _smooth()

    def poor(x, rng):
        return clean + rng.normal(0, 0.1, clean.shape)  # J-invariant: ignores x

    pairs = _windows(clean, poor, 0.2)
    mix = choose_mix(pairs)
    assert mix is not None and mix.sigma > 0 and 0.2 < mix.share <= 1.0
    assert mix.gain > max(2 * mix.stderr, MIN_GAIN)
    assert mix.guard > 0
    true = _true_gain(pairs, clean, mix)
    assert true > 0.5 * mix.gain
    assert {s for s, _, _ in mix.tried} == set(SIGMAS)


def test_an_exact_output_gets_no_mix():
    clean = _smooth(1)
    mix = choose_mix(_windows(clean, lambda x, rng: clean.copy(), 0.2))
    assert mix is not None and mix.sigma == 0.0 and mix.share == 0.0


def test_fine_texture_gets_no_mix():
    """A fine texture under noise, with an output that keeps it and errs little (a blur would
    wipe the texture out; mixed in, it would only shrink the output's small error a little)."""
    rng = np.random.default_rng(4)
    texture = 0.5 + 0.3 * np.sign(rng.normal(size=(1, EDGE, EDGE)))

    def decent(x, r):
        return texture + r.normal(0, 0.02, texture.shape)

    mix = choose_mix(_windows(texture, decent, 0.15))
    assert mix is not None and mix.share == 0.0


def test_no_counted_pixel_gives_no_estimate():
    x = np.zeros((1, 20, 20))
    assert choose_mix([(x, x, x + 1, (slice(5, 5), slice(0, 20)))]) is None
    assert choose_mix([]) is None


def test_the_guard_keeps_thin_lines_that_the_mix_would_dim():
    """A smooth image with bright lines one pixel wide, and an output that keeps the lines but
    errs elsewhere: the mix is chosen as for the smooth image, and the guard leaves the lines
    as the output has them, where the same mix without a guard dims them by an eighth or more.
    The guard is chosen by the same estimate: it gains no less than no guard."""
    clean = _smooth(2)
    lines = np.zeros_like(clean, dtype=bool)
    lines[:, 40, :] = lines[:, :, 70] = lines[:, 90, 10:100] = True
    clean = clean + 1.2 * lines

    def poor(x, rng):
        return clean + rng.normal(0, 0.1, clean.shape)

    pairs = _windows(clean, poor, 0.2)
    mix = choose_mix(pairs)
    plain = choose_mix(pairs, guards=(0.0,))
    assert mix is not None and plain is not None and mix.share > 0.2 and plain.guard == 0.0
    assert mix.gain >= plain.gain and mix.guard > 0
    x, mu, std, _ = pairs[0]
    inner = lines[:, 20:-20, 20:-20]
    kept = (_mixed(x, mu, std, mix) - clean)[:, 20:-20, 20:-20][inner].mean()
    dimmed = (_mixed(x, mu, std, plain) - clean)[:, 20:-20, 20:-20][inner].mean()
    assert abs(kept) < 0.03 and dimmed < -0.15  # the lines are 1.2 above the image


def test_the_guard_gives_all_then_less_then_none():
    z = np.array([0.0, 1.0, 1.5, 2.0, 3.0])
    np.testing.assert_allclose(guard(z, 1.0), [1.0, 1.0, 0.5, 0.0, 0.0])
    torch.testing.assert_close(guard(torch.from_numpy(z), 1.0), torch.from_numpy(guard(z, 1.0)))
    assert guard(z, 0.0) == 1.0


def test_the_masked_output_does_not_depend_on_the_pixel_itself():
    """Any function made J-invariant: changing one pixel leaves its own masked output as it
    was (a 5 x 5 mean here, which sees the pixel), and the other pixels' outputs are read from
    passes that did see it."""
    rng = np.random.default_rng(2)
    x = rng.random((2, 30, 40)).astype(np.float32)

    def box(a):
        t = torch.nn.functional.avg_pool2d(torch.from_numpy(a)[None], 5, 1, 2,
                                           count_include_pad=False)
        return t[0].numpy()

    before = masked_output(box, x)
    moved = x.copy()
    moved[1, 12, 17] += 10.0
    after = masked_output(box, moved)
    assert after[1, 12, 17] == pytest.approx(before[1, 12, 17], abs=1e-5)
    assert abs(after[1, 12, 18] - before[1, 12, 18]) > 0.1
    assert np.array_equal(after[0], before[0])  # channels apart
    assert np.abs(masked_output(box, x) - box(x)).max() < 0.5


def test_only_the_counted_pixels_choose_the_mix():
    """Windows whose left half has an exact output and whose right half a poor one: counted
    whole they get a mix, counted on the left half only (a bool mask per window) none; a mask
    of every pixel changes nothing."""
    clean = _smooth(3)
    half = np.zeros(clean.shape, bool)
    half[..., : EDGE // 2] = True

    def left_exact(x, rng):
        return np.where(half, clean, clean + rng.normal(0, 0.1, clean.shape))

    pairs = _windows(clean, left_exact, 0.2)
    whole = choose_mix(pairs)
    every = choose_mix([(*p, np.ones(clean.shape, bool)) for p in pairs])
    left = choose_mix([(*p, half) for p in pairs])
    assert whole is not None and whole.share > 0.1
    assert every == whole
    assert left is not None and left.share == 0.0 and left.pixels < whole.pixels
    assert choose_mix([(*p, np.zeros(clean.shape, bool)) for p in pairs]) is None
