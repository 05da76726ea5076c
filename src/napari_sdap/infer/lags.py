"""What part of a residual is coherent over a few pixels (missed detail), and noise curves
without spikes: the detail restore's noise curve reads the noise past both (`infer.curve`).

A blind-spot network smooths the detail it cannot see; its residual ``r = x - mu`` then holds
noise plus that detail. Noise decorrelated at a lag of a few pixels adds (on average) nothing
to products ``r_i r_j`` of pixels that far apart; an edge, a line or a texture adds its energy.
"""

from __future__ import annotations

import numpy as np
import torch

from napari_sdap.infer.refine import ring_mean

__all__ = ["LAG", "SPIKE", "axis_products", "despike", "lag_product"]

LAG = 2
"""Default lag of the products (models trained at a stride above it use their stride: their
noise is correlated up to it)."""
_NONE = 1e-11
"""A bin variance at most this reads no noise (the curves' floor is 1e-12, `gate.TINY`)."""
SPIKE = 2.0
"""A bin's noise variance may exceed what the other bins allow by at most this factor."""


def _shifted(d: int, n: int) -> tuple[slice, slice]:
    """(source, destination) slices of an axis of length `n` for a shift by `d`."""
    return (slice(d, n), slice(0, n - d)) if d >= 0 else (slice(0, n + d), slice(-d, n))


def axis_products(r: torch.Tensor, lag: int = LAG) -> list[torch.Tensor]:
    """Per pixel and per axis (Y, X), the mean of ``r_i r_j`` over the two pixels ``j`` at `lag`
    along that axis inside the window (N x C x H x W; 0 where neither is inside)."""
    h, w = r.shape[-2:]
    out = []
    for dims in ((lag, 0), (0, lag)):
        total = torch.zeros_like(r)
        count = torch.zeros_like(r[:1, :1])
        for sign in (1, -1):
            ys, yd = _shifted(dims[0] * sign, h)
            xs, xd = _shifted(dims[1] * sign, w)
            total[..., yd, xd] += r[..., yd, xd] * r[..., ys, xs]
            count[..., yd, xd] += 1.0
        out.append(total / count.clamp_min(1.0))
    return out


def lag_product(r: torch.Tensor, lag: int = LAG) -> torch.Tensor:
    """The residual's local lagged product: per pixel, the larger over the two axes of the
    7 x 7 mean (the pixel left out) of `axis_products`, at least 0. Noise decorrelated at `lag`
    adds nothing to it but a small positive bias (the larger of two means); a line or an edge
    along one axis adds its whole energy there. A texture that alternates at `lag` makes the
    products negative: taken as 0, so that it never reads as more noise."""
    return torch.maximum(*(ring_mean(p) for p in axis_products(r, lag))).clamp_min(0.0)


def despike(levels: list[float], variance: list[float], reach: int | None = None
             ) -> list[float]:
    """Cap each bin's variance at `SPIKE` times the larger of two bounds, one from the darker
    bins and one from the brighter (up to `reach` bins away on each side; None: all): Poisson-
    Gaussian noise grows at most in proportion to the intensity, so no bin may exceed a darker
    bin's variance times the intensity ratio, nor a brighter bin's variance. Only a bin above
    both (a spike) is capped; a curve that falls at bright intensities (clipping) keeps its
    darker bins. Intensities that only edges reach (the range between a dark object and a
    bright background) read their missed contrast, which no lag takes off, as noise: on a
    camera photograph 14x the true noise, and the restore gave none of the contrast back.

    A darker bin that read no noise at all (at the floor, `_NONE`: a mosaic's 0 fill or a
    background clipped to one value, whose network output lies a little above 0) bounds
    nothing: it capped the brightest bin, which has no brighter bound, to no noise, and the
    restore gave the noisy input back at the brightest pixels (an FMD mosaic with a 0 fill:
    its top bin 15.1 -> 0.002 counts)."""
    out = []
    n = len(levels) if reach is None else reach
    for k, (lv, var) in enumerate(zip(levels, variance, strict=True)):
        lo = max(0, k - n)
        dark = [v * (lv / lj if 0 < lj < lv else (1.0 if lv <= lj else np.inf))
                for lj, v in zip(levels[lo:k], variance[lo:k], strict=True) if v > _NONE]
        bright = variance[k + 1 : k + 1 + n]
        bounds = [min(side) for side in (dark, bright) if side]
        out.append(min(var, SPIKE * max(bounds)) if bounds else var)
    return out
