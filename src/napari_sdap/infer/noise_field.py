"""Noise that varies across the image: how far the local noise departs from the curve's reading
at the same intensities (`local_scale`), for the detail restore's gate (`infer.gate`).

The noise curve reads the noise by intensity alone. Where it also varies across the field of
view (vignetting of the gain, tiles stitched from other exposures, a detector whose read noise
drifts), the curve reads a mean: too low where the noise is strong, and there the gate's
estimate counted the noise the restore gives back as detail regained. On a confocal crop
whose noise std ramps from 5 to 15 across it, the default output was 32.2 dB against 38.1 for
the network alone.

Per pixel the scale is the ratio, over the `FIELD` x `FIELD` window around it, of the noise
read (each pixel's own ``r**2`` less the local lagged products: `curve._pixels`' `own`) to what
the gate's curve expects at the same pixels, over the window's flat pixels: the `FLAT` share of
the channel whose output varies least against the noise read around them (against the
window's noise, not the image's: where the noise is stronger the output varies more, and a
share of the whole image's flattest would read the quiet parts only). `PRIOR` pixels at ratio
1 keep a window with few flat pixels near 1. Texture the network missed reads as noise too; so
the reading counts only as far as the residual around the pixel is incoherent (`coherence`:
its correlation with itself a few pixels away, near 0 for noise decorrelated there). A scale
within `DEAD` of 1 counts as 1: on noise that does not vary across the image the reading still
strays by some tenths near detail, where the gate restores, and there it turned the gate down
(FMD two-photon and confocal frames, 0.1-0.2 dB of the restore lost; on an EMCCD frame, a
quarter within 1.4 turned the strength from 0.54 to 0.46). So on such noise the gate chooses as
before.
Measurements: docs/benchmarks.md, "Noise that varies across the image".
"""

from __future__ import annotations

import numpy as np

__all__ = ["COHERENT", "FIELD", "FLAT", "PRIOR", "WHITE", "coherence", "local_scale"]

FIELD = 31
"""Window edge (pixels) of the local noise reading."""
FLAT = 0.5
"""Share of a channel's pixels read: those whose output varies least against the noise read
around them (reading all of them, the gate still gave back up to 0.6 dB of noise that grew
4x in std across a test image; half gave back at most 0.13)."""
PRIOR = 32.0
"""Pixels' worth of the curve's own reading (ratio 1) added to each window's."""
DEAD = 1.4
"""A scale within this factor of 1 (either way) counts as 1: the curve's own reading."""
WHITE = 0.1
COHERENT = 0.25
"""The local reading counts fully where the residual's correlation at the lags (`coherence`)
is at most `WHITE`, not at all from `COHERENT` on, and in proportion between."""


def local_scale(own: np.ndarray, expected: np.ndarray, rough: np.ndarray, r: np.ndarray,
                lag: int, size: int | None = None) -> np.ndarray:
    """Per pixel of a C x h x w window, the local noise reading `own` over the gate curve's
    `expected` variance, summed over the flat pixels (`rough` against the local noise, in the
    lowest `FLAT` share of the channel) of the `size` x `size` window around it (cut at the
    borders), with `PRIOR` pixels of ratio 1; trusted only as far as the residual `r` there is
    incoherent at lags `lag - 1` and `lag` (`coherence`). See the module text."""
    c, size = own.shape[0], size or FIELD
    count = np.maximum(_box(np.ones_like(own), size), 1.0)
    relative = rough / np.maximum(_box(own, size) / count, 1e-30)
    flat = np.stack([relative[k] <= np.quantile(relative[k], FLAT) for k in range(c)])
    num = _box(np.where(flat, own, 0.0), size)
    den = _box(np.where(flat, expected, 0.0), size)
    typical = np.array([float(np.mean(expected[k][flat[k]])) if flat[k].any() else 0.0
                        for k in range(c)])[:, None, None] * PRIOR
    ratio = (num + typical) / np.maximum(den + typical, 1e-30)
    trust = np.clip((COHERENT - coherence(r, size, (max(lag - 1, 1), lag))) /
                    (COHERENT - WHITE), 0.0, 1.0)
    scale = 1.0 + trust * (ratio - 1.0)
    return np.where(np.abs(np.log(np.maximum(scale, 1e-30))) < np.log(DEAD), 1.0, scale)


def coherence(r: np.ndarray, size: int, lags: tuple[int, ...]) -> np.ndarray:
    """Per pixel of `r` (C x h x w), the largest correlation of the residual with itself at
    `lags` along Y or X over the `size` x `size` window around it: near 0 for noise
    decorrelated at those lags, large for texture or detail the network missed."""
    energy = np.maximum(_box(r * r, size), 1e-30)
    out = np.zeros(r.shape)
    for k in sorted(set(lags)):
        for axis in (1, 2):
            prod = np.zeros(r.shape)
            cut = [slice(None)] * 3
            cut[axis] = slice(0, r.shape[axis] - k)
            ahead = [slice(None)] * 3
            ahead[axis] = slice(k, None)
            prod[tuple(cut)] = r[tuple(cut)] * r[tuple(ahead)]
            out = np.maximum(out, np.abs(_box(prod, size)) / energy)
    return out


def _box(a: np.ndarray, size: int) -> np.ndarray:
    """Sums of `a` (C x h x w) over the `size` x `size` window around each pixel, the window
    cut at the borders (from the summed-area table)."""
    c, h, w = a.shape
    pad = size // 2
    table = np.zeros((c, h + 1, w + 1))
    table[:, 1:, 1:] = np.cumsum(np.cumsum(a, axis=1, dtype=np.float64), axis=2)
    y0, y1 = np.clip(np.arange(h) - pad, 0, h), np.clip(np.arange(h) + pad + 1, 0, h)
    x0, x1 = np.clip(np.arange(w) - pad, 0, w), np.clip(np.arange(w) + pad + 1, 0, w)
    return (table[:, y1][:, :, x1] - table[:, y0][:, :, x1] - table[:, y1][:, :, x0]
            + table[:, y0][:, :, x0])
