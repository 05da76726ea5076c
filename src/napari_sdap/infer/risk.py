"""Is the distilled student as good as its teacher? An estimate from the noisy data alone.

For noise that is independent from pixel to pixel, zero-mean, with variance ``v`` at each
pixel, the mean squared error of a denoiser ``f`` against the unknown clean image has an
unbiased estimate from the noisy ``x`` (Stein's unbiased risk estimate):

    E[(f_i - y_i)**2] = E[(f_i - x_i)**2 - v_i + 2 v_i df_i/dx_i]

The ``- v_i`` terms cancel in the difference between two denoisers of the same pixels, so the
student ``s`` against the teacher ``t`` is, per pixel,

    (s_i - x_i)**2 - (t_i - x_i)**2 + 2 v_i (ds_i/dx_i - dt_i/dx_i)

The teacher (`bsn` with the gated detail restore) is ``t = mu + w r`` with ``r = x - mu``:
the blind-spot output ``mu`` never sees ``x_i``, and neither does ``w`` (its local residual
energy leaves the pixel out), so ``dt_i/dx_i = w_i`` exactly. The student's sum of
``ds_i/dx_i`` comes from one random +-1 probe ``b`` through autograd: ``b . J^T b`` has the
trace of the Jacobian as its mean. ``v`` is a noise curve from 2 x 2 diagonal differences of
the input (`block_curve`), read at ``x`` (`gate.noise_at`). The noise must be independent per
pixel: models trained at stride 1.

The estimate holds for a fixed function. A student fitted to the teacher's result on the same
pixels has, there, less of the noise in its output than its divergence says (the fit pulled it
towards the teacher, which never saw the pixel): on its own training pixels of a 128 x 128
test image the student looked 2.4 dB worse than it was. So `held_out` keeps one pixel in 8 out
of its training targets (single pixels, scattered over the image: held-out 32 x 32 blocks were
a poorer sample of the image and read 0.02 of the noise variance high on BSD68), and the
comparison counts only those pixels; the noise curve is measured on all pixels read. Measured
against the clean images in docs/benchmarks.md ("Student check").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from napari_sdap.clipping import clipped_ends
from napari_sdap.infer.curve import own_energy, roughness
from napari_sdap.infer.gate import noise_at
from napari_sdap.infer.lags import LAG
from napari_sdap.infer.noise_field import local_scale
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.refine import restore_weight
from napari_sdap.infer.stream import Engine
from napari_sdap.infer.tiling import Tile

__all__ = ["HOLD_EVERY", "Comparison", "block_curve", "blocks_of", "compare", "held_out",
           "neighbour_range", "unclipped"]

HOLD_EVERY = 8
"""One pixel in this many is held out of the student's training (`held_out`)."""
_TINY = 1e-12
_READ_AT = ("input", "teacher", "student")
_PROBE_SEED = 7919
_BINS = 8
_FLAT = 0.5
_MIN_BLOCKS = 64
_CLIPPED = 1e-3
"""A channel's lowest (highest) value counts as a clipping floor (ceiling) when at least this
share of its pixels read exactly it, more than read the value next to it
(`clipping.clipped_ends`): noise continued below it would read lower."""
_NEAR = 2
"""Pixels with a clipped value within this many pixels are not counted (`neighbour_range`)."""
_MEDIAN_CHI2 = 0.454936
"""Median of a squared standard normal: the median of ``d**2`` over this is the variance of a
Gaussian ``d``, untouched by the few blocks on an edge."""


@dataclass(frozen=True)
class Comparison:
    """Estimated mean squared errors per pixel (network scale) of the teacher and the student.

    Their difference is the reliable part: each error alone carries the whole uncertainty of
    the noise variance (a noise curve 5 % high takes 5 % of the noise variance off it)."""

    teacher: float
    student: float
    stderr: float
    """Standard error of the estimated difference (pixels taken as independent)."""
    noise: float
    """Mean noise variance of the counted pixels."""
    pixels: int

    @property
    def excess(self) -> float:
        """The student's estimated error minus the teacher's, in units of the noise variance."""
        return (self.student - self.teacher) / max(self.noise, _TINY)

    @property
    def excess_se(self) -> float:
        """Standard error of `excess`."""
        return self.stderr / max(self.noise, _TINY)

    def summary(self) -> dict[str, float]:
        """What a model's record keeps of the comparison."""
        return {"excess": round(self.excess, 5), "excess_se": round(self.excess_se, 5),
                "pixels": self.pixels}


def held_out(image: int, plane: int, ys: slice, xs: slice) -> np.ndarray:
    """Which output pixels (`ys` x `xs` of a plane of image `image`) are held out of the
    student's training, as a bool array: one pixel in `HOLD_EVERY`, scattered by a hash of its
    position (no lattice for periodic structure to line up with)."""
    y = np.arange(ys.start, ys.stop, dtype=np.uint64)[:, None]
    x = np.arange(xs.start, xs.stop, dtype=np.uint64)[None, :]
    key = (y * np.uint64(73_856_093)) ^ (x * np.uint64(19_349_663)) ^ np.uint64(
        (plane * 83_492_791) ^ (image * 2_654_435_761))
    mixed = (key + np.uint64(1)) * np.uint64(0x9E37_79B9_7F4A_7C15)  # wraps: a 64-bit hash
    return mixed >> np.uint64(61) == 0  # top 3 bits: 1 in 8


def blocks_of(a: np.ndarray) -> np.ndarray:
    """The whole 2 x 2 blocks of an h x w array as 4 x n (top-left, top-right, bottom-left,
    bottom-right)."""
    h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
    return np.stack([a[dy:h:2, dx:w:2].ravel() for dy in (0, 1) for dx in (0, 1)]).astype(
        np.float64)


def block_curve(x: np.ndarray, mu: np.ndarray, rough: np.ndarray, mean: bool = False,
                pairs: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Noise variance against intensity from 2 x 2 blocks (4 x n arrays of the input, the
    teacher's output and its local variation): the diagonal difference ``(x00 - x01 - x10 +
    x11) / 2`` has the blocks' mean noise variance as its mean square, and no part of a level or
    a linear ramp. In `_BINS` intensity bins (the blocks' mean output), the flattest half of
    the blocks (least variation of the output) gives the variance, from the median of the
    squares (edges do not count). Unlike the blind-spot residual (the detail restore's curve)
    it holds none of the network's own error, nor the noise its output takes up from the
    neighbours: read at the held-out pixels it was 5 % high on BSD68 test001 with white noise
    (the residual's curve 17 %), 16 % on FMD Confocal_FISH (20 %, and 67 % in one bin).

    `mean`: from the mean of the squares instead. The median assumes Gaussian noise: at a few
    photons per pixel, where most differences are exactly 0, it read 0.35-0.65 of the true
    variance; the mean (of the blocks flattest in the blind-spot output, which never saw the
    pixels' own noise) read 0.92-0.98 of it there, and on Set12 01 (`infer.smoothing`).
    `pairs` (with the mean): half the squared differences of the horizontal and of the vertical
    pairs minus the diagonal difference's square, whose mean is the variance less its
    diagonal-neighbour covariance, whatever the correlation between direct neighbours (the
    diagonal difference alone reads ``1 - rho_x - rho_y`` of it); ramps do not cancel in it."""
    diag = (x[0] - x[1] - x[2] + x[3]) ** 2 / 4.0
    if pairs:
        across = ((x[0] - x[1]) ** 2 + (x[2] - x[3]) ** 2) / 4.0
        down = ((x[0] - x[2]) ** 2 + (x[1] - x[3]) ** 2) / 4.0
        diag, mean = across + down - diag, True
    level, flat = mu.mean(axis=0), rough.mean(axis=0)
    edges = np.quantile(level, np.linspace(0.0, 1.0, _BINS + 1))
    index = np.clip(np.searchsorted(edges, level, side="right") - 1, 0, _BINS - 1)
    levels, variance = [], []
    for b in range(_BINS):
        inside = index == b
        if np.count_nonzero(inside) < _MIN_BLOCKS:
            continue
        calm = inside & (flat <= np.quantile(flat[inside], _FLAT))
        levels.append(float(level[calm].mean()))
        square = float(diag[calm].mean()) if mean else float(np.median(diag[calm])) / _MEDIAN_CHI2
        variance.append(max(square, _TINY))
    if not levels:
        return np.array([0.0, 1.0]), np.full(2, max(float(diag.mean()), _TINY))
    order = np.argsort(levels, kind="stable")
    return np.asarray(levels)[order], np.asarray(variance)[order]


def _local_scale(window: np.ndarray, mask: np.ndarray, curve: tuple[np.ndarray, np.ndarray]
                 ) -> np.ndarray:
    """`noise_field.local_scale` at a window's counted pixels (`mask`) for `compare`:
    `window` stacks the input, the residual, the output's roughness and the own noise reading
    (4 x h x w); `curve` is the check's (levels, variances)."""
    x, r, rough, own = (a[None].astype(np.float64) for a in window)
    expected = noise_at(x, *curve)
    return local_scale(own, expected, rough, r, LAG)[0][mask]


def neighbour_range(a: np.ndarray, iy: slice, ix: slice) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest value of each pixel's neighbours within `_NEAR` pixels (the pixel
    itself left out) over the `iy` x `ix` part of the 2-D array `a`."""
    r = _NEAR
    pad = np.pad(a, r, mode="edge")
    h, w = iy.stop - iy.start, ix.stop - ix.start
    lo = np.full((h, w), np.inf, np.float32)
    hi = np.full((h, w), -np.inf, np.float32)
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dy or dx:
                y0, x0 = iy.start + r + dy, ix.start + r + dx
                part = pad[y0 : y0 + h, x0 : x0 + w]
                np.minimum(lo, part, out=lo)
                np.maximum(hi, part, out=hi)
    return lo, hi


def unclipped(x: np.ndarray, near_lo: np.ndarray, near_hi: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Which 2 x 2 blocks (`x`: 4 x n) and which held-out pixels (their neighbours' lowest and
    highest values) are clear of clipping. Where the data are clipped (8-bit frames with the
    dark background at 0, saturated highlights) the noise there is neither the curve's variance
    nor Gaussian, and the estimate read better students as worse (docs/benchmarks.md, "Student
    check"). Pixels are chosen by their neighbours, never their own value: the estimate needs
    each counted pixel's noise whole."""
    calm = np.ones(x.shape[1], bool)
    count = np.ones(near_lo.shape, bool)
    for end, near, clip in zip((x.min(), x.max()), (near_lo, near_hi),
                               clipped_ends(x, _CLIPPED), strict=True):
        if clip:
            calm &= ~(x == end).any(axis=0)
            count &= near != end
    return (calm if calm.any() else np.ones_like(calm)), count


def compare(teacher: Engine, student: nn.Module, curve: NoiseCurve, detail: bool,
            windows: Iterable[tuple[np.ndarray, int, Tile, np.ndarray]], seed: int = 0,
            read_at: str = "input", mean: bool = False, pairs: bool = False,
            local: bool = False) -> Comparison | None:
    """Estimate the student's and the teacher's errors on normalised `windows`: (C x h x w
    window, channel group, tile, bool mask of the tile's output pixels to count); each window
    needs the teacher's exact halo (repair and restore included) and the student's. `teacher`
    is the blind-spot network's engine with the outlier repair only (`Refine(curve,
    detail=False)`); `detail`: whether the teacher restores detail (with the curve's gate).
    None when no pixel is counted.

    `read_at`: where each pixel's noise variance is read from the curve: the noisy `"input"`
    (the check's choice), the `"teacher"`'s blind-spot output or the `"student"`'s output.
    Against the truth on 31 trained models (docs/benchmarks.md, "Where the student check
    reads the noise") the other two were no closer overall, and far off at a few photons.
    `mean`: the curve from the mean of the blocks' squared differences (`block_curve`), not
    their median; `pairs`: from `block_curve`'s pairs. Measurement options, off in the check.
    `local`: the curve's variance scaled, pixel by pixel, by how far the noise read around it
    departs from the curve (`noise_field.local_scale`: noise that differs between parts of the
    image at the same intensity, which a curve by intensity reads as one mean); the check's
    choice for near-Gaussian noise (`api.student_judge.judge`)."""
    if read_at not in _READ_AT:
        raise ValueError(f"read_at={read_at!r}: use one of {', '.join(_READ_AT)}")
    gen = torch.Generator().manual_seed(seed + _PROBE_SEED)
    parts: dict[tuple[int, int], list[tuple[list[np.ndarray], list[np.ndarray]]]] = {}
    student.eval()
    for window, group, tile, mask in windows:
        if not mask.any():
            continue
        x, mu = teacher.run(teacher.prepare([window]), [group])
        x, mu = x.float(), mu.float()
        w = (restore_weight(x, mu, curve, [group]) if detail and curve.strength > 0
             else torch.zeros_like(x))
        xg = x.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            s = student(xg)
            probe = torch.zeros_like(s)  # +-1 on the counted pixels only
            iy, ix = tile.inner
            signs = torch.randint(0, 2, probe[:, :, iy, ix].shape, generator=gen) * 2.0 - 1.0
            probe[:, :, iy, ix] = signs.to(probe) * torch.from_numpy(mask).to(probe)
            (grad,) = torch.autograd.grad((s * probe).sum(), xg)
        iy, ix = tile.inner
        rough = roughness(mu[0])
        own = own_energy(x[0] - mu[0], LAG) if local else None
        for c in range(x.shape[1]):  # the noise curve: every 2 x 2 block of the tile
            whole = [blocks_of(a[c, iy, ix].detach().float().cpu().numpy())
                     for a in (x[0], mu[0], rough)]
            if own is not None:  # the window's own readings, for the local scale
                whole.append(np.stack([a[c, iy, ix].detach().float().cpu().numpy() for a in
                                       (x[0], x[0] - mu[0], rough, own)]))
                whole.append(mask)
            held = [a[0, c, iy, ix].detach().float().cpu().numpy()[mask]
                    for a in (x, mu, mu + w * (x - mu), s, w, grad * probe)]
            held += [a[mask] for a in neighbour_range(x[0, c].detach().float().cpu().numpy(),
                                                       iy, ix)]
            parts.setdefault((group, c), []).append((whole, held))
    if not parts:
        return None
    change, teacher_err, noise = [], [], []
    for rows in parts.values():
        blocks = [np.concatenate([r[0][k] for r in rows], axis=1) for k in range(3)]
        x, mu, t, s, w, div, near_lo, near_hi = (
            np.concatenate([r[1][k] for r in rows]).astype(np.float64) for k in range(8))
        calm, count = unclipped(blocks[0], near_lo, near_hi)
        if not count.any():
            continue
        x, mu, t, s, w, div = (a[count] for a in (x, mu, t, s, w, div))
        at = {"input": x, "teacher": mu, "student": s}[read_at]
        read = block_curve(*(b[:, calm] for b in blocks), mean=mean, pairs=pairs)
        v = noise_at(at, *read)
        if local:
            v = v * np.concatenate([_local_scale(r[0][3], r[0][4], read) for r in rows])[count]
        noise.append(v)
        teacher_err.append((t - x) ** 2 - v + 2.0 * v * w)
        change.append((s - x) ** 2 - (t - x) ** 2 + 2.0 * v * (div - w))
    if not change:
        return None
    delta, base = np.concatenate(change), np.concatenate(teacher_err)
    n = max(delta.size, 1)
    t_mse = float(base.mean())
    return Comparison(teacher=t_mse, student=t_mse + float(delta.mean()),
                      stderr=float(delta.std()) / math.sqrt(n),
                      noise=float(np.concatenate(noise).mean()), pixels=int(delta.size))
