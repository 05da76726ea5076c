"""The student-against-teacher estimate from held-out noisy pixels (`infer.risk`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.refine import Refine
from napari_sdap.infer.risk import HOLD_EVERY, compare, held_out
from napari_sdap.infer.stream import Engine
from napari_sdap.infer.tiling import Tile

SIGMA = 0.05
EDGE = 256


class Mean(nn.Module):
    """3 x 3 mean; `blind`: of the 8 neighbours only (a blind-spot "teacher")."""

    def __init__(self, blind: bool) -> None:
        super().__init__()
        k = torch.ones(1, 1, 3, 3)
        if blind:
            k[..., 1, 1] = 0.0
        self.register_buffer("kernel", k / k.sum())
        self.radius = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), self.kernel)


class Blend(nn.Module):
    """``a * x + (1 - a) * blind mean``: copies a share `a` of every pixel's own noise."""

    def __init__(self, a: float) -> None:
        super().__init__()
        self.a, self.mean = a, Mean(blind=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a * x + (1 - self.a) * self.mean(x)


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[:EDGE, :EDGE]
    clean = (0.5 + 0.2 * np.sin(xx / 9.0) * np.cos(yy / 13.0)).astype(np.float32)
    noisy = clean + np.random.default_rng(seed).normal(0, SIGMA, clean.shape)
    return clean, noisy.astype(np.float32)


def _estimate(student: nn.Module, noisy: np.ndarray):
    curve = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[SIGMA**2, SIGMA**2]]])
    engine = Engine(Mean(blind=True), torch.device("cpu"), "bsn", 1, compile=False,
                    refine=Refine(curve, detail=False))
    whole = slice(0, EDGE)
    tile = Tile(0, whole, whole, whole, whole)
    mask = held_out(0, 0, whole, whole)
    return compare(engine, student, curve, False, [(noisy[None], 0, tile, mask)]), mask


def _mse(net: nn.Module, noisy: np.ndarray, clean: np.ndarray, mask: np.ndarray) -> float:
    with torch.no_grad():
        out = net(torch.from_numpy(noisy)[None, None])[0, 0].numpy()
    return float(((out - clean)[mask] ** 2).mean())


@pytest.mark.parametrize("a", [0.0, 0.15, 0.5, 1.0])
def test_the_estimate_matches_the_errors_against_the_clean_image(a):
    """Students copying 0-100 % of each pixel's noise against a blind-spot mean: the estimated
    difference in error is the true one (on the held-out pixels) within a few standard errors
    and 2 % of the noise variance."""
    clean, noisy = _data()
    student = Blend(a)
    got, mask = _estimate(student, noisy)
    true = (_mse(student, noisy, clean, mask) - _mse(Mean(True), noisy, clean, mask)) / SIGMA**2
    assert got.pixels == int(mask.sum())
    assert got.noise == pytest.approx(SIGMA**2, rel=0.1)
    assert abs(got.excess - true) < 3 * got.excess_se + 0.02, (got, true)


def test_a_student_that_copies_the_noise_is_found_worse_and_the_teacher_itself_equal():
    _, noisy = _data(1)
    copy, _ = _estimate(nn.Identity(), noisy)
    assert copy.excess > 10 * copy.excess_se and copy.excess > 0.5
    same, _ = _estimate(Mean(blind=True), noisy)
    assert abs(same.excess) < 3 * same.excess_se < 0.01  # only the random probe's spread


def test_a_better_smoother_is_found_better():
    """A 3 x 3 mean with its centre (9 pixels) beats the 8-neighbour mean on a smooth image."""
    clean, noisy = _data(2)
    got, mask = _estimate(Mean(blind=False), noisy)
    assert _mse(Mean(False), noisy, clean, mask) < _mse(Mean(True), noisy, clean, mask)
    assert got.excess < -3 * got.excess_se


def test_held_out_pixels_are_one_in_eight_scattered_and_the_same_in_any_tile():
    big = held_out(0, 0, slice(0, 512), slice(0, 512))
    assert abs(big.mean() - 1 / HOLD_EVERY) < 0.005
    part = held_out(0, 0, slice(100, 200), slice(37, 300))
    np.testing.assert_array_equal(part, big[100:200, 37:300])
    rows = big.mean(axis=1)
    assert rows.min() > 0.05 and rows.max() < 0.2  # no empty or crowded rows
    assert not np.array_equal(big, held_out(0, 1, slice(0, 512), slice(0, 512)))
    assert not np.array_equal(big, held_out(1, 0, slice(0, 512), slice(0, 512)))


def test_nothing_to_count_gives_no_estimate():
    _, noisy = _data()
    curve = NoiseCurve(levels=[[[0.0]]], variance=[[[SIGMA**2]]])
    engine = Engine(Mean(True), torch.device("cpu"), "bsn", 1, compile=False,
                    refine=Refine(curve, detail=False))
    whole = slice(0, EDGE)
    none = np.zeros((EDGE, EDGE), bool)
    assert compare(engine, nn.Identity(), curve, False,
                   [(noisy[None], 0, Tile(0, whole, whole, whole, whole), none)]) is None


def test_the_block_curve_reads_signal_dependent_noise_past_edges():
    """Poisson-Gaussian noise (variance 0.02 * y + 1e-4) on a ramp with sharp-edged squares:
    the curve from 2 x 2 diagonal differences is within 10 % of the true variance."""
    from napari_sdap.infer.curve import roughness
    from napari_sdap.infer.risk import block_curve, blocks_of

    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[:512, :512]
    clean = 0.1 + 0.8 * xx / 512.0
    clean[(yy // 32) % 4 == 0] += 0.3 * ((xx // 32) % 3 == 0)[(yy // 32) % 4 == 0]
    variance = 0.02 * clean + 1e-4
    noisy = clean + rng.normal(size=clean.shape) * np.sqrt(variance)
    mu = torch.from_numpy(clean[None].astype(np.float32))  # an ideal smooth output
    levels, got = block_curve(blocks_of(noisy), blocks_of(clean),
                              blocks_of(roughness(mu)[0].numpy()))
    assert len(levels) >= 6
    np.testing.assert_allclose(got, 0.02 * levels + 1e-4, rtol=0.1)


@pytest.mark.parametrize("a", [0.15, 0.5])
@pytest.mark.parametrize("end", ["floor", "ceiling"])
def test_pixels_near_clipped_values_are_left_out(a, end):
    """Half the image is a dark background clipped at 0 (as in 8-bit low-photon frames), or a
    saturated highlight clipped at 1: the noise there is neither Gaussian nor of the curve's
    variance, and counting it read a student copying half the noise (0.17 of the noise
    variance worse on the other half) as better. Only pixels clear of clipped neighbours count,
    and there the estimate is the true difference."""
    yy, xx = np.mgrid[:EDGE, :EDGE]
    clean = (0.5 + 0.2 * np.sin(xx / 9.0) * np.cos(yy / 13.0)).astype(np.float32)
    clean[:, : EDGE // 2] = 0.01 + 0.01 * np.sin(yy[:, : EDGE // 2] / 7.0)
    noise = np.random.default_rng(0).normal(0, SIGMA, clean.shape)
    noisy = np.clip(clean + noise, 0, None).astype(np.float32)
    if end == "ceiling":
        clean, noisy = 1.0 - clean, 1.0 - noisy
    student = Blend(a)
    got, mask = _estimate(student, noisy)
    free = mask.copy()
    free[:, : EDGE // 2 + 3] = False
    true = (_mse(student, noisy, clean, free) - _mse(Mean(True), noisy, clean, free)) / SIGMA**2
    assert got.pixels < 0.6 * mask.sum()
    assert abs(got.excess - true) < 3 * got.excess_se + 0.02, (got, true)


def test_the_noise_read_at_the_input_or_an_output_agrees_on_even_noise():
    """With the same noise variance at every intensity, reading it at the input, the teacher's
    or the student's output gives about the same estimate, with the curve from the median or
    from the mean of the blocks' squares (the curve is measured from the window's own 2 x 2
    blocks, so not exactly); an unknown place is refused by name."""
    _, noisy = _data(3)
    whole = slice(0, EDGE)
    tile, mask = Tile(0, whole, whole, whole, whole), held_out(0, 0, whole, whole)
    curve = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[SIGMA**2, SIGMA**2]]])
    engine = Engine(Mean(blind=True), torch.device("cpu"), "bsn", 1, compile=False,
                    refine=Refine(curve, detail=False, calibrate=False))

    def estimate(where: str, mean: bool = False):
        return compare(engine, Blend(0.3), curve, False, [(noisy[None], 0, tile, mask)],
                       read_at=where, mean=mean)

    for mean in (False, True):
        got = [estimate(w, mean) for w in ("input", "teacher", "student")]
        assert max(g.excess for g in got) - min(g.excess for g in got) < 0.01
        assert all(g.noise == pytest.approx(SIGMA**2, rel=0.1) for g in got)
    with pytest.raises(ValueError, match="read_at='clean'"):
        estimate("clean")


def test_the_pairs_curve_reads_noise_correlated_along_rows_whole():
    """Noise correlated between horizontal neighbours (0.3): the diagonal difference reads
    about 0.7 of its variance, the pairs' reading all of it."""
    from napari_sdap.infer.risk import block_curve, blocks_of

    rng = np.random.default_rng(3)
    e = rng.standard_normal((512, 513))
    n = e[:, 1:] + 0.33 * e[:, :-1]
    var = float(n.var())
    blocks = blocks_of(n)
    flat = np.zeros_like(blocks)
    level = flat + rng.random(blocks.shape[1])  # spread the blocks over the bins
    plain = float(block_curve(blocks, level, flat, mean=True)[1].mean())
    pairs = float(block_curve(blocks, level, flat, pairs=True)[1].mean())
    assert plain == pytest.approx(0.7 * var, rel=0.05)
    assert pairs == pytest.approx(var, rel=0.05)
