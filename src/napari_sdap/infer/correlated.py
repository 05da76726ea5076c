"""A Gaussian blur of the output of models trained for spatially correlated noise, chosen from
the noisy data alone.

A blind-spot network trained at a stride above 1 (noise correlated between neighbours: camera
pipelines, FMD wide-field frames) takes up part of that noise from the neighbours it sees, and
its output keeps it: on FMD wide-field frames the best blur of the default output, chosen with
the reference, gained 2.5-3.3 dB (docs/benchmarks.md). Which blur, if any, is decided per model
by Stein's unbiased estimate of the change of the mean squared error for correlated Gaussian
noise with covariance ``C``: blurring the output ``f`` into ``G f`` changes it, per pixel, by

    (G f - x)_i**2 - (f - x)_i**2 + 2 ((G J C)_ii - (J C)_ii)

with ``J`` the Jacobian of the output (restore included). With a probe ``b`` drawn with
covariance ``C`` and ``u = (f(x + eps b) - f(x)) / eps``, ``b_i (G u)_i`` has ``(G J C)_ii`` as
its mean. ``C`` is read from the noisy input where the output is flattest: its variogram
``g(d) = mean((x_i - x_{i+d})**2) / 2`` (no part of a level, nor of the network's output,
which takes up part of the noise and reads it low), ``C(d) = sill - g(d)`` within `LAGS`
pixels, the sill being the variogram at 4-5 pixels; the variance at each pixel follows the
noise curve's shape, scaled to the sill. On 13 crops with references (FMD wide-field, PolyU,
phone-camera proxies, box-filtered Set12 and BSD68) this read the noise's lag-1 correlation
within 0.06 and its variance 0.61-1.44 of the truth: low where the image is smooth and the
noise correlated over several pixels, high on texture. A low variance makes the estimate
favour less blur. Readings that do not choose the pixels by the output near them were no more
accurate overall (`benchmarks/blur_reading.py`, docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch

from napari_sdap.infer.blocks import block_means
from napari_sdap.infer.curve import roughness
from napari_sdap.infer.gate import noise_at
from napari_sdap.infer.gaussian import blur_radius, gaussian
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.risk import blocks_of, neighbour_range, unclipped
from napari_sdap.infer.smoothing import Run, Smoothing, blur, inside
from napari_sdap.infer.tiling import Tile

__all__ = ["LAGS", "SIGMAS", "Covariance", "Seen", "choose_output_blur", "correlated_probe",
           "counted", "curve_at", "noise_covariance", "pick_blur"]

SIGMAS = (0.7, 1.0, 1.5, 2.0)
"""The blurs tried (Gaussian standard deviation in pixels)."""
LAGS = 3
"""Half-width of the covariance kernel the probes are drawn with."""
FAR = (4, 5)
"""Lags (Chebyshev distance) whose variogram gives the sill."""
PROBES = 2
ERRORS = 2.0
"""A blur is chosen only when its estimated gain exceeds this many standard errors..."""
MIN_GAIN = 0.002
"""... and this fraction of the noise variance."""
MAX_FACTOR = 1.5
"""The variance read is at most this many times the noise curve's there: a sill above it is
texture, not noise (a fine texture everywhere leaves no flat pixels for the variogram; with the
output equal to the input there, a variance read twice the true one chose a blur that cost
4.5 dB). On the FMD wide-field, phone-camera and Set12 crops measured the sill was 1.1-1.6
times the curve (which reads correlated noise low, `infer.curve`)."""
_FLAT = 0.25
"""Share of each window's pixels, the flattest in the output, the variogram reads."""
_CALM = 2.0
"""Blur (px) of the output before its flattest pixels are found: where the output keeps much
noise, its unblurred roughness picks the pixels where the noise happens to be low (a 3 x 3
mean of box-filtered noise: the variance read 30 % low, 12 % with this blur)."""
_EPS = 1e-3
_SEED = 49_979_687
Seen = tuple[np.ndarray, np.ndarray, int, Tile, np.ndarray]
"""(input window, output, channel group, tile, counted pixels) of `choose_output_blur`."""


@dataclass(frozen=True)
class Covariance:
    """The noise's spatial covariance as read from the noisy data."""

    kernel: np.ndarray
    """(2 LAGS + 1)² correlations, lag (0, 0) at the centre (1)."""
    sill: dict[tuple[int, int], float]
    """(channel group, channel) -> noise variance (network scale) where the output is flat."""
    factor: dict[tuple[int, int], float]
    """(channel group, channel) -> the noise curve's scale: the sill over the curve's mean
    there (1 without a curve)."""


def _pairs(d: tuple[int, int], h: int, w: int) -> tuple[tuple[slice, slice], tuple[slice, slice]]:
    dy, dx = d
    a = (slice(0, h - dy), slice(max(-dx, 0), w - max(dx, 0)))
    b = (slice(dy, h), slice(max(dx, 0), w + min(dx, 0)))
    return a, b


def _lags(k: int) -> list[tuple[int, int]]:
    """Half of the lags within Chebyshev distance `k` (the other half mirrors them)."""
    return [(dy, dx) for dy in range(k + 1) for dx in range(-k, k + 1) if dy > 0 or dx > 0]


def noise_covariance(windows: Iterable[tuple[np.ndarray, np.ndarray, int, np.ndarray]],
                     curve: NoiseCurve | None = None, flat: float | None = None,
                     cap: float | None = None) -> Covariance | None:
    """The noise covariance from (input, output, channel group, counted-pixel mask) of C x h x w
    windows (the mask: C x h x w, pixels clear of clipping); None when too few pixels.
    `curve`: the noise curve whose shape the variance follows (`Covariance.factor`), and
    which caps it at `cap` times (None: `MAX_FACTOR`; inf: no cap); `flat`: the share of each
    window's pixels read, the flattest in the output (None: `_FLAT`; 1: all)."""
    flat = _FLAT if flat is None else flat
    cap = MAX_FACTOR if cap is None else cap
    far = FAR[1]
    lags = _lags(far)
    sums: dict[tuple[int, int], np.ndarray] = {}
    counts: dict[tuple[int, int], np.ndarray] = {}
    shape: dict[tuple[int, int], list[float]] = {}
    for x, mu, group, ok in windows:
        rough = None
        if flat < 1.0:  # the flattest pixels of the output, itself blurred first
            smooth = gaussian(torch.from_numpy(np.ascontiguousarray(mu, np.float32))[None],
                              _CALM)
            rough = roughness(smooth[0]).numpy()
        h, w = x.shape[-2:]
        for c in range(x.shape[0]):
            use = ok[c].copy()
            if use.any() and rough is not None:
                use &= rough[c] <= np.quantile(rough[c][use], flat)
            xc = x[c].astype(np.float64)
            part = shape.setdefault((group, c), [0.0, 0.0])
            if curve is not None:
                part[0] += float(curve_at(mu[c], curve, group, c)[use].sum())
                part[1] += int(use.sum())
            s = sums.setdefault((group, c), np.zeros(len(lags)))
            n = counts.setdefault((group, c), np.zeros(len(lags)))
            for i, d in enumerate(lags):
                a, b = _pairs(d, h, w)
                both = use[a] & use[b]
                s[i] += float(((xc[a] - xc[b])[both] ** 2).sum()) / 2.0
                n[i] += int(both.sum())
    kernels, weights, sill, factor = [], [], {}, {}
    ring = [i for i, d in enumerate(lags) if FAR[0] <= max(abs(d[0]), abs(d[1])) <= far]
    for key, s in sums.items():
        n = counts[key]
        if n.min() < 100:
            continue
        gamma = s / n
        top = float(gamma[ring].mean())
        if top <= 0:
            continue
        k = np.zeros((2 * LAGS + 1, 2 * LAGS + 1))
        k[LAGS, LAGS] = 1.0
        for i, (dy, dx) in enumerate(lags):
            if max(dy, abs(dx)) <= LAGS:
                k[LAGS + dy, LAGS + dx] = k[LAGS - dy, LAGS - dx] = 1.0 - gamma[i] / top
        total, count = shape[key]
        if total > 0:
            top = min(top, cap * total / count)
        sill[key] = top
        factor[key] = top / (total / count) if total > 0 else 1.0
        kernels.append(k)
        weights.append(float(n.min()))
    if not kernels:
        return None
    kernel = np.average(np.stack(kernels), axis=0, weights=weights)
    return Covariance(kernel, sill, factor)


def correlated_probe(rng: np.random.Generator, shape: tuple[int, ...], kernel: np.ndarray
                     ) -> np.ndarray:
    """Gaussian noise of shape C x h x w whose correlations are `kernel` (circular; each channel
    drawn independently): white noise filtered by the square root of the kernel's spectrum."""
    c, h, w = shape
    r = kernel.shape[0] // 2
    a = np.zeros((h, w))
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            a[dy % h, dx % w] += kernel[dy + r, dx + r]
    root = np.sqrt(np.clip(np.fft.rfft2(a).real, 0.0, None))
    white = rng.standard_normal((c, h, w))
    return np.fft.irfft2(np.fft.rfft2(white) * root, s=(h, w)).astype(np.float32)


def counted(x: np.ndarray) -> np.ndarray:
    """C x h x w: the pixels clear of clipping (`risk.unclipped`)."""
    h, w = x.shape[-2:]
    out = np.ones(x.shape, bool)
    for c in range(x.shape[0]):
        lo, hi = neighbour_range(x[c], slice(0, h), slice(0, w))
        out[c] = unclipped(blocks_of(x[c]), lo, hi)[1]
    return out


def choose_output_blur(run: Run, windows: Iterable[tuple[np.ndarray, int, Tile]],
                       curve: NoiseCurve, seed: int = 0, sigmas: tuple[float, ...] = SIGMAS,
                       cov: Covariance | Callable[[list[Seen]], Covariance | None] | None = None
                       ) -> Smoothing | None:
    """The blur of the output with the lowest estimated error, or none (sigma 0) unless it
    gains significantly (`ERRORS`, `MIN_GAIN`). `run(window, group)` maps a normalised
    C x h x w window to (repaired input, output) in float32; `windows` gives (window, channel
    group, tile) with the exact halo plus `blur_radius(max(sigmas))`; `curve` the noise
    curve whose shape the variance follows; `cov`: the noise covariance, or a function that
    reads it from the windows seen (input, output, group, tile, counted pixels), in their
    order (None: read from the windows, `noise_covariance`). None when the noise cannot be
    read."""
    seen: list[Seen] = []
    for window, group, tile in windows:
        x = np.asarray(window, np.float32)
        seen.append((x, run(x, group)[1], group, tile, counted(x)))
    if callable(cov):
        cov = cov(seen)
    elif cov is None:
        cov = noise_covariance(((x, f, g, ok) for x, f, g, _, ok in seen), curve)
    if cov is None:
        return None
    rng = np.random.default_rng(seed + _SEED)
    reach = blur_radius(max(sigmas))
    deltas: list[list[np.ndarray]] = [[] for _ in sigmas]
    blocks: list[list[np.ndarray]] = [[] for _ in sigmas]
    noise: list[np.ndarray] = []
    for x, f, group, tile, ok in seen:
        iy, ix = inside(tile.inner, x.shape[-2:], reach)
        keys = [(group, c) for c in range(x.shape[0])]
        if iy.stop <= iy.start or ix.stop <= ix.start or any(k not in cov.sill for k in keys):
            continue
        var = np.stack([curve_at(f[c], curve, group, c) * cov.factor[(group, c)]
                        for c in range(x.shape[0])])
        sd = np.sqrt(var).astype(np.float32)
        own = np.zeros(x.shape)
        cross = [np.zeros(x.shape) for _ in sigmas]
        for _ in range(PROBES):
            b = correlated_probe(rng, x.shape, cov.kernel) * sd
            u = (run(x + np.float32(_EPS) * b, group)[1].astype(np.float64) - f) / _EPS
            own += b * u / PROBES
            for i, s in enumerate(sigmas):
                cross[i] += b * blur(u.astype(np.float32), s) / PROBES
        cut = (slice(None), iy, ix)
        keep = ok[cut]
        noise.append(var[cut][keep])
        base = (f.astype(np.float64) - x) ** 2 + 2.0 * own
        for i, s in enumerate(sigmas):
            d = ((blur(f, s).astype(np.float64) - x) ** 2 + 2.0 * cross[i] - base)[cut]
            deltas[i].append(d[keep])
            blocks[i].append(block_means(d, keep))
    return pick_blur(sigmas, deltas, blocks, noise)


def pick_blur(sigmas: tuple[float, ...], deltas: list[list[np.ndarray]],
              blocks: list[list[np.ndarray]], noise: list[np.ndarray],
              min_gain: float = MIN_GAIN) -> Smoothing | None:
    """The blur of `sigmas` whose estimated change per pixel (`deltas`, per sigma; their
    `BLOCK` means `blocks`) is lowest, in units of the mean of `noise`; none (sigma 0) unless
    its gain exceeds `ERRORS` standard errors (from the blocks) and `min_gain`. None without
    noise."""
    if not noise:
        return None
    scale = max(float(np.concatenate(noise).mean()), 1e-12)
    means = [float(np.concatenate(d).mean()) for d in deltas]
    best = int(np.argmin(means))
    gain = -means[best] / scale
    per_block = np.concatenate(blocks[best])
    stderr = float(per_block.std()) / math.sqrt(max(per_block.size, 1)) / scale
    tried = tuple((float(s), -m / scale) for s, m in zip(sigmas, means, strict=True))
    chosen = float(sigmas[best]) if gain > max(ERRORS * stderr, min_gain) else 0.0
    return Smoothing(chosen, gain, stderr, int(sum(d.size for d in deltas[best])), tried)


def curve_at(mu: np.ndarray, curve: NoiseCurve, group: int, channel: int) -> np.ndarray:
    """The noise curve read at the output."""
    return noise_at(mu.astype(np.float64), np.asarray(curve.levels[group][channel]),
                    np.asarray(curve.variance[group][channel]))
