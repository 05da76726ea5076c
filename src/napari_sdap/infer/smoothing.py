"""A light Gaussian blur of the student's targets, chosen from the noisy data alone.

At strong noise (a few photons per pixel) the teacher's result keeps noise that a light blur
removes: the best blur of the default output, chosen with the reference, gained 0.4-1.5 dB on
strong-noise microscopy and at most 0.09 dB at ordinary noise, where a blur mostly loses detail
(docs/benchmarks.md, "Target blur"). Which blur, if any, is decided per model by Stein's
unbiased estimate of the change of the mean squared error (noise independent per pixel, with
variance ``v_i``, as in `infer.risk`): blurring the teacher's result ``t`` into ``G t`` changes
it, per pixel, by

    (G t - x)_i**2 - (t - x)_i**2 + 2 v_i ((G J)_ii - J_ii)

with ``J`` the Jacobian of the teacher's result (outlier repair and detail restore included).
Its diagonal parts come from one random +-1 probe ``b`` and a finite difference: with
``u = (t(x + eps b) - t(x)) / eps``, ``b_i (G u)_i`` has ``(G J)_ii`` as its mean. ``v`` is the
2 x 2 block curve of the student check (`risk.block_curve`) from the mean of the squares in the
blocks flattest in the blind-spot output (no restore), read there. The choice is sensitive to
it: on strong-noise crops a curve 10-20 % low chose no blur where the true variance chose the
best one; the student check's median curve read 0.35-0.65 of the noise at a few photons, one
from all blocks (or from the blind-spot residual) 12-47 % high on the textured Set12 01, where
it chose a blur that lost 0.11 dB. Pixels near clipped values are not counted
(`risk.unclipped`): there the noise is neither the curve's nor Gaussian; nor are those within
the blur's reach of a plane border (`inside`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch

from napari_sdap.infer.curve import roughness
from napari_sdap.infer.gate import noise_at
from napari_sdap.infer.gaussian import blur_radius, gaussian
from napari_sdap.infer.risk import block_curve, blocks_of, neighbour_range, unclipped
from napari_sdap.infer.tiling import Tile

__all__ = ["SIGMAS", "Run", "Smoothing", "blur", "blur_radius", "choose_blur", "inside"]

SIGMAS = (0.5, 0.7, 0.9, 1.2)
"""The blurs tried (Gaussian standard deviation in pixels)."""
ERRORS = 2.0
"""A blur is chosen only when its estimated gain exceeds this many standard errors."""
MIN_GAIN = 0.01
"""... and this fraction of the noise variance (below it the gain is not worth a blurrier
student)."""
_EPS = 1e-3
"""Step of the finite difference, on the network's normalised scale."""
_PROBE_SEED = 15_485_863

Run = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]
"""`run(window, group)` -> (repaired input, output) of a teacher on a normalised window."""


@dataclass(frozen=True)
class Smoothing:
    """The chosen blur and the estimate behind it."""

    sigma: float
    """Standard deviation in pixels of the chosen Gaussian (0: none)."""
    gain: float
    """Estimated decrease of the mean squared error, in units of the noise variance."""
    stderr: float
    """Standard error of `gain`."""
    pixels: int
    tried: tuple[tuple[float, float], ...] = ()
    """(sigma, estimated gain) of every blur tried, in units of the noise variance."""

    def summary(self) -> dict[str, float]:
        """What a model's record keeps of the choice."""
        return {"sigma": self.sigma, "gain": round(self.gain, 5),
                "gain_se": round(self.stderr, 5), "pixels": self.pixels}


def blur(y: np.ndarray, sigma: float) -> np.ndarray:
    """`gaussian` of a C x h x w array (float32)."""
    if blur_radius(sigma) == 0:
        return y
    a = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))[None]
    return gaussian(a, sigma)[0].numpy()


def inside(inner: tuple[slice, slice], shape: tuple[int, ...], r: int
           ) -> tuple[slice, slice]:
    """The part of a tile's output region at least `r` pixels inside its window: all of it
    unless the window ends at a plane border (windows reach the halo beyond every other
    side). There the blur reads mirrored pixels, and counting the border's pixels moved the
    estimate on a 256 x 256 crop from +0.1 % to +1.5 % of the noise variance, enough to choose
    a blur that cost the student 0.18 dB."""
    return tuple(slice(max(a.start, r), min(a.stop, n - r))  # type: ignore[return-value]
                 for a, n in zip(inner, shape, strict=True))


def choose_blur(run: Run, windows: Iterable[tuple[np.ndarray, int, Tile]], seed: int = 0,
                sigmas: tuple[float, ...] = SIGMAS, blind: Run | None = None
                ) -> Smoothing | None:
    """The blur of the teacher's result with the lowest estimated error, or none (sigma 0)
    unless it gains significantly (`ERRORS`, `MIN_GAIN`). `run(window, group)` maps a
    normalised C x h x w window to (repaired input, result) in float32, and `blind` to the
    blind-spot output alone (no detail restore; None: `run`'s result is); `windows` gives
    (window, channel group, tile) with the teacher's exact halo plus `blur_radius(max(sigmas))`.
    None when no pixel is counted."""
    rng = np.random.default_rng(seed + _PROBE_SEED)
    parts: dict[tuple[int, int], list[tuple[list[np.ndarray], list[np.ndarray]]]] = {}
    for window, group, tile in windows:
        probe = rng.integers(0, 2, window.shape).astype(np.float32) * 2.0 - 1.0
        _, t = run(window, group)
        _, moved = run(window + np.float32(_EPS) * probe, group)
        mu = t if blind is None else blind(window, group)[1]
        u = (moved.astype(np.float64) - t) / _EPS
        iy, ix = inside(tile.inner, window.shape[-2:], blur_radius(max(sigmas)))
        if iy.stop <= iy.start or ix.stop <= ix.start:
            continue
        rough = roughness(torch.from_numpy(np.ascontiguousarray(mu, dtype=np.float32))).numpy()
        blurred = [(blur(t, s), blur(u.astype(np.float32), s)) for s in sigmas]
        for c in range(window.shape[0]):
            whole = [blocks_of(a[c, iy, ix]) for a in (window, mu, rough)]
            lo, hi = neighbour_range(window[c], iy, ix)
            per = [a[c, iy, ix].ravel() for a in (window, t, probe * u, mu)]
            for ft, fu in blurred:
                per += [ft[c, iy, ix].ravel(), (probe[c] * fu[c])[iy, ix].ravel()]
            parts.setdefault((group, c), []).append((whole, [*per, lo.ravel(), hi.ravel()]))
    change: list[list[np.ndarray]] = [[] for _ in sigmas]
    noise: list[np.ndarray] = []
    for rows in parts.values():
        blocks = [np.concatenate([r[0][k] for r in rows], axis=1) for k in range(3)]
        cols = [np.concatenate([r[1][k] for r in rows]).astype(np.float64)
                for k in range(len(rows[0][1]))]
        calm, count = unclipped(blocks[0], cols[-2], cols[-1])
        if not count.any():
            continue
        x, t, own, mu = (a[count] for a in cols[:4])
        v = noise_at(mu, *block_curve(*(b[:, calm] for b in blocks), mean=True))
        noise.append(v)
        for i in range(len(sigmas)):
            ft, cross = cols[4 + 2 * i][count], cols[5 + 2 * i][count]
            change[i].append((ft - x) ** 2 - (t - x) ** 2 + 2.0 * v * (cross - own))
    if not noise:
        return None
    scale = max(float(np.concatenate(noise).mean()), 1e-12)
    deltas = [np.concatenate(c) for c in change]
    n = deltas[0].size
    means = [float(d.mean()) for d in deltas]
    best = int(np.argmin(means))
    gain = -means[best] / scale
    stderr = float(deltas[best].std()) / math.sqrt(max(n, 1)) / scale
    tried = tuple((float(s), -m / scale) for s, m in zip(sigmas, means, strict=True))
    chosen = float(sigmas[best]) if gain > max(ERRORS * stderr, MIN_GAIN) else 0.0
    return Smoothing(chosen, gain, stderr, n, tried)
