"""A mix of the output with a Gaussian blur of the input, for strong white noise, chosen from
the noisy data alone.

At a few photons per pixel a `fast` network trained for a few hundred steps is still worse
than a plain Gaussian blur wherever the image is smooth, and the two err differently: on four
strong-noise microscopy crops (peak 5-10 photons) the best mix ``(1 - b) out + b G_s x`` of
the default output with a blurred input, chosen with the reference, gained 0.25-1.48 dB; at
ordinary noise (FMD confocal and two-photon crops) at most 0.12 (docs/benchmarks.md).

Which mix, if any, is decided per model without a noise model, by J-invariance (Noise2Self,
Batson and Royer 2019): for noise independent between pixels with zero mean, an estimate ``g``
whose value at a pixel does not depend on that pixel's own noise has
``E[(g - x)**2] = E[(g - y)**2] + E[n**2]`` (``y`` the clean image), so among such estimates
the one closest to the noisy input is the best. The default output is made such an estimate
``mu`` by masking (`masked_output`): in each of `GRID`² passes one pixel in `GRID`² of the
input is replaced by the mean of its 8 neighbours, and the output is read there. So
is the input blurred with the centre tap removed (``D_s x``), and so is every mix of the two.
Per blur ``s`` the share that minimises ``mean(((1 - b) mu + b D_s x - x)**2)`` is

    b = mean((x - mu) (D_s x - mu)) / mean((D_s x - mu)**2)     (clipped to 0..1)

and the blur with the largest decrease is kept if that decrease exceeds `ERRORS` standard
errors (from `blocks.BLOCK`² block means) and `MIN_GAIN` of ``mean((x - mu)**2)``. The output
then mixes in that same ``D_s x``: with the whole kernel (``G_s x``, which holds a share of the
pixel's own noise: 62 % at 0.5 px) the estimate would not hold, and a mix chosen at 0.5 px
cost FMD Confocal_BPAE_B 0.24 dB. The masked output is at most as good as the output itself
(the student sees the pixel), so the share errs high by a little.
Chosen instead for the blind-spot teacher's output, which the student beats, the share was
0.38 on FMD Confocal_BPAE_B and cost its student 0.40 dB. Not for correlated noise (stride
> 1): there the neighbours carry the pixel's noise.

A mix chosen for the average error would dim what is thin and bright (a line one pixel wide
keeps about ``1 - b`` of its contrast), so a pixel gets less of it where ``D_s x`` departs from
the output by more than the noise explains (`guard`): all of the share up to a limit of
``|D_s x - mu|`` in noise stds (the model's curve at the output), none from twice that. The
limit is chosen with the share, by the same estimate, among `GUARDS` robust spreads of that
ratio; the guard too leaves each pixel's own value out, so the estimate still holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from napari_sdap.infer.blocks import block_means
from napari_sdap.infer.gaussian import donut as blurred_around

__all__ = ["ERRORS", "GRID", "GUARDS", "MIN_GAIN", "SIGMAS", "Mix", "choose_mix", "donut", "guard",
           "masked_output"]

SIGMAS = (1.5, 2.0, 2.5, 3.0)
"""The blurs of the input tried (Gaussian standard deviation in pixels). None narrower: the
masked output lacks the pixel's own value, which a narrow blur of its neighbours partly makes
up for, so a narrow blur reads as a gain for the masked output where the output itself, which
sees the pixel, has none (FMD Confocal_BPAE_B: 0.5 px at a share of 0.32, estimated +0.6 % of
the noise, cost its student 0.25 dB). The strong-noise crops chose 1.5-2.5 px."""
ERRORS = 2.0
"""A mix is chosen only when its estimated gain exceeds this many standard errors..."""
MIN_GAIN = 0.002
"""... and this share of the masked output's mean squared distance to the input (its error
plus the noise variance), as for the output blur of correlated noise (`infer.correlated`). On
strong-noise crops the mixes chosen gained 0.35-0.88 % of it; on the nine stride-1 FMD types
(full frames) the best blur of 1.5 px or more gained at most 0.18 %."""
GRID = 3
"""The masking grid of `masked_output`: one pixel in `GRID`² replaced per pass, by the mean of
its 8 neighbours (none of which is masked in that pass, nor holds another masked pixel's
value)."""
GUARDS = (2.0, 3.0, 4.0, 6.0)
"""The guard's limits tried, in robust spreads of ``|D_s x - out| / noise std``."""
_MAD = 1.4826


def donut(x: np.ndarray, sigma: float) -> np.ndarray:
    """`gaussian.donut` of a C x h x w array (float64): the input's blur without its centre
    tap, as the output mixes it in."""
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))[None]
    return blurred_around(t, sigma)[0].numpy()


def _ring_mean(x: np.ndarray) -> np.ndarray:
    """The mean of each pixel's 8 neighbours in a C x h x w array (edges mirrored)."""
    h, w = x.shape[-2:]
    pad = np.pad(np.asarray(x, np.float64), ((0, 0), (1, 1), (1, 1)), mode="reflect")
    total = sum(pad[:, 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
                for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx)
    return (total / 8.0).astype(np.float32)


def masked_output(run: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """The output of `run` (C x h x w -> C x h x w) made independent of each pixel's own
    value: in `GRID`² passes, the pixels of one phase of the grid are replaced by the mean of
    their 8 neighbours and the output is read there."""
    fill = _ring_mean(x)
    yy, xx = np.mgrid[: x.shape[-2], : x.shape[-1]]
    out = np.empty(x.shape, np.float64)
    for py in range(GRID):
        for px in range(GRID):
            mask = (yy % GRID == py) & (xx % GRID == px)
            masked = np.where(mask, fill, x).astype(np.float32)
            out[:, mask] = np.asarray(run(masked), np.float64)[:, mask]
    return out


@dataclass(frozen=True)
class Mix:
    """The chosen mix and the estimate behind it."""

    sigma: float
    """Standard deviation (px) of the input's blur (0: no mix)."""
    share: float
    """Weight of the blurred input in the output (0: none)."""
    gain: float
    """Estimated decrease of the mean squared error, as a share of the (pixel-blind) output's
    mean squared distance to the input."""
    stderr: float
    pixels: int
    tried: tuple[tuple[float, float, float], ...] = ()
    """(sigma, best share, estimated gain) of every blur tried."""
    guard: float = 0.0
    """`guard`'s limit, in noise stds (0: none)."""

    def summary(self) -> dict[str, float]:
        """What a model's record keeps of the choice."""
        return {"sigma": self.sigma, "share": round(self.share, 4), "gain": round(self.gain, 5),
                "gain_se": round(self.stderr, 5), "pixels": self.pixels,
                "guard": round(self.guard, 4)}


def guard(z: Any, limit: float) -> Any:
    """The share of the mix a pixel gets, from ``z = |D_s x - out| / (noise std at out)``:
    all of it up to `limit`, none from twice `limit` (linear between; 1 everywhere when
    `limit` is 0). numpy arrays and torch tensors alike."""
    return (2.0 - z / limit).clip(0.0, 1.0) if limit > 0 else 1.0


def choose_mix(pairs: Iterable[tuple[Any, ...]], sigmas: tuple[float, ...] = SIGMAS,
               guards: tuple[float, ...] = GUARDS) -> Mix | None:
    """The mix of an output with the blurred input with the lowest estimated error, or none
    (share 0) unless it gains significantly (`ERRORS`, `MIN_GAIN`). `pairs` gives (input, an
    output that does not depend on each pixel's own value, e.g. `masked_output` or a
    blind-spot network's, the noise std at that output, the (y, x) slices of the pixels to
    count[, a C x h x w bool array: which of those to count]) for C x h x w windows on one
    scale; the counted pixels need `blur_radius(max(sigmas))` of the window around them, or
    the plane's border (mirrored), and must be chosen without their own values (e.g. by the
    masked output, as `api.output_mix` does on clipped data). Per blur, each of `guards` (in
    robust spreads of ``z``, `guard`) is tried. None when no pixel is counted."""
    residual: list[np.ndarray] = []
    counted: list[np.ndarray] = []
    apart: list[list[np.ndarray]] = [[] for _ in sigmas]
    ratio: list[list[np.ndarray]] = [[] for _ in sigmas]
    for x, mu, std, (iy, ix), *mask in pairs:
        if iy.stop <= iy.start or ix.stop <= ix.start:
            continue
        x64 = np.asarray(x, np.float64)
        residual.append((x64 - mu)[:, iy, ix])
        counted.append(np.ones(residual[-1].shape, bool) if not mask
                       else np.asarray(mask[0], bool)[:, iy, ix])
        for i, s in enumerate(sigmas):
            e = (donut(x64, s) - mu)[:, iy, ix]
            apart[i].append(e)
            ratio[i].append(np.abs(e) / np.asarray(std, np.float64)[:, iy, ix])
    w = np.concatenate([a.ravel() for a in counted]).astype(np.float64) if counted else None
    if w is None or not w.any():
        return None
    n = float(w.sum())
    r = np.concatenate([a.ravel() for a in residual])
    base = max(float(np.sum(w * r * r)) / n, 1e-12)
    tried, best = [], (0.0, 0, 0.0, 0.0)
    kept = (np.zeros_like(r), np.zeros_like(r))  # the best blur's (D_s x - mu, z)
    for i, s in enumerate(sigmas):
        e = np.concatenate([a.ravel() for a in apart[i]])
        z = np.concatenate([a.ravel() for a in ratio[i]])
        spread = float(np.median(z[w > 0])) * _MAD
        top = (-math.inf, 0.0, 0.0)  # (gain, share, limit) of the best guard
        for k in guards:
            limit = k * spread
            ge = guard(z, limit) * e
            a, b = float(np.sum(w * r * ge)) / n, float(np.sum(w * ge * ge)) / n
            share = min(max(a / b, 0.0), 1.0) if b > 0 else 0.0
            gain = (2.0 * share * a - share * share * b) / base
            top = max(top, (gain, share, limit))
        tried.append((float(s), top[1], top[0]))
        if top[0] > best[0]:
            best, kept = (top[0], i, top[1], top[2]), (e, z)
    gain, i, share, limit = best
    e, z = kept
    ge = guard(z, limit) * e
    cuts = np.cumsum([a.size for a in residual])[:-1]
    change = np.split(share * share * ge * ge - 2.0 * share * r * ge, cuts)
    per_block = np.concatenate([block_means(d.reshape(a.shape), m)
                                for d, a, m in zip(change, residual, counted, strict=True)])
    if per_block.size < 2:  # too few blocks with counted pixels to judge the gain: no mix
        return Mix(0.0, 0.0, gain, 0.0, pixels=int(n), tried=tuple(tried))
    stderr = float(per_block.std()) / math.sqrt(per_block.size) / base
    if not gain > max(ERRORS * stderr, MIN_GAIN):
        return Mix(0.0, 0.0, gain, stderr, pixels=int(n), tried=tuple(tried))
    return Mix(float(sigmas[i]), share, gain, stderr, pixels=int(n), tried=tuple(tried),
               guard=limit)
