"""Robust percentile normalisation, computed once over the whole image.

Statistics are gathered plane by plane (or block by block for very large planes) from numpy,
dask or zarr arrays up to a pixel budget, never per tile, and stored in the model so that the
output is mapped back onto the input's own intensity scale.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, model_validator

from napari_sdap.axes import PlaneView
from napari_sdap.clipping import CLIPPED
from napari_sdap.config import NormalizationConfig
from napari_sdap.errors import InputError
from napari_sdap.model.scales import check_scales
from napari_sdap.values import check_finite

log = logging.getLogger(__name__)

JOINT_SPAN_RATIO = 20.0
"""Joint channels share one intensity mapping: a channel whose range is this many times
narrower than the widest is warned about. The network's error, on the widest channel's scale,
swamps such a channel (2 fluorescence channels 300x apart, `tiny` 150 steps: the dim channel
came out 119x the noisy input's squared error, 0.06x when trained independently)."""

__all__ = ["Normalization", "compute_normalization", "difference_std", "differences",
           "without_fill"]

_BLOCK = 512
_F32_MAX = float(np.finfo(np.float32).max)


class Normalization(BaseModel):
    """Per-channel-group intensity mapping: ``(x - low) / (high - low)``.

    One finite (low, high) pair per channel group, low <= high (equal for a nearly constant
    image: the scale is then 1)."""

    model_config = ConfigDict(extra="forbid")
    low: list[FiniteFloat] = Field(min_length=1)
    high: list[FiniteFloat] = Field(min_length=1)
    noise: list[FiniteFloat] | None = None
    """Per channel group: the noise std read from neighbouring pixels (`difference_std`) on
    the same sample, to tell an image on another intensity scale (`api.intensity`); None in
    models saved without it."""

    @model_validator(mode="after")
    def _check(self) -> Normalization:
        if len(self.low) != len(self.high):
            raise ValueError(f"low and high need one value per channel group each (got "
                             f"{len(self.low)} and {len(self.high)} values)")
        if self.noise is not None and len(self.noise) != len(self.low):
            raise ValueError(f"noise needs one value per channel group (got {len(self.noise)} "
                             f"for {len(self.low)} groups)")
        if self.noise is not None and min(self.noise) < 0:
            raise ValueError(f"noise is a standard deviation, never negative (got "
                             f"{min(self.noise):g}); the model file was edited or damaged: "
                             f"train the model again")
        for g, (lo, hi) in enumerate(zip(self.low, self.high, strict=True)):
            if lo > hi:
                raise ValueError(f"low[{g}] = {lo:g} is above high[{g}] = {hi:g}")
            if not math.isfinite(hi - lo):
                raise ValueError(f"high[{g}] - low[{g}] overflows ({hi:g} - {lo:g})")
        return self

    def scale(self, group: int) -> tuple[float, float]:
        """(offset, scale) of a channel group; the scale is never zero."""
        lo, hi = self.low[group], self.high[group]
        return lo, (hi - lo) if hi > lo else 1.0

    def forward(self, x: np.ndarray, group: int) -> np.ndarray:
        """Map to the network's range, as float32; computed in float64 so that images near the
        float32 limits (e.g. +-3e38) do not overflow to inf in ``x - low``."""
        lo, sc = self.scale(group)
        return ((np.asarray(x, np.float64) - lo) / sc).astype(np.float32)

    def inverse(self, y: np.ndarray, group: int) -> np.ndarray:
        """Map back onto the image's intensity scale, as float32 clipped to its finite range."""
        lo, sc = self.scale(group)
        out = np.asarray(y, np.float64) * sc + lo
        return np.clip(out, -_F32_MAX, _F32_MAX).astype(np.float32)


def differences(block: np.ndarray) -> np.ndarray:
    """Differences of horizontal neighbours of a C x h x w block, per channel (C x n, float64)."""
    return np.diff(np.asarray(block, np.float64), axis=-1).reshape(block.shape[0], -1)


_ZERO_SHARE = 0.25
"""Share of neighbour differences that are exactly 0 from which `difference_std` reads the mean
|difference|: as their share nears a half the interquartile range collapses (76x low at 49.6 %,
a mosaic whose zero fill is half its area: a model trained on it refused the same acquisition's
tiles, and one trained on the tiles refused the mosaic, as 'stored on another scale'), while
the mean |difference| falls only in proportion. Below a quarter the two read within 15 %."""


def difference_std(diffs: np.ndarray) -> float:
    """A robust noise std from neighbour differences (`differences`): their interquartile range
    as a Gaussian's, over sqrt(2); the mean |difference| where a quarter or more are 0 (a flat
    or clipped background, a mosaic's fill, a mask: `_ZERO_SHARE`); 0 without noise. It reads
    noise correlated between neighbours low and texture high, alike on the training data and
    on a later image of the same kind."""
    d = diffs[np.isfinite(diffs)]
    if d.size < 16:
        return 0.0
    q1, q3 = np.percentile(d, [25, 75])
    spread = float(q3 - q1) / 1.349
    if spread <= 0 or float(np.mean(d == 0)) >= _ZERO_SHARE:
        spread = float(np.mean(np.abs(d))) * math.sqrt(math.pi / 2)
    return spread / math.sqrt(2.0)


FILL_GAP = 0.5
"""A lowest value held by at least `clipping.CLIPPED` of the pixels, below the rest's lower
percentile by more than this many times the rest's percentile span, is a fill (`without_fill`)."""


def without_fill(values: np.ndarray, percentiles: Sequence[float] = (0.5, 99.8)) -> np.ndarray:
    """`values` (1-D) without their lowest value where it is a fill, not a measurement: a
    stitched mosaic's or a registration's 0 below a camera's offset (raw 16-bit tiles near 100
    stitched with 0 between them). Taken into the percentiles, such a fill squeezed the data
    into the top eighth of the network's range, and a 31 % fill took the default output from
    32.2 dB to 13.6 dB, below the noisy input's 15.8. A clip (8-bit backgrounds cut at 0) lies
    next to the rest of the values and is kept."""
    low = values.min()
    fill = values == low
    count = int(np.count_nonzero(fill))
    if count < max(2.0, CLIPPED * values.size) or count == values.size:
        return values
    rest = values[~fill]
    lo, hi = np.percentile(rest.astype(np.float64), [percentiles[0], percentiles[-1]])
    return rest if lo - float(low) > FILL_GAP * (hi - lo) else values


def _sample_plane(array: Any, view: PlaneView, n: int, budget: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(C x n sampled values, C x m neighbour differences) of plane `n`."""
    h, w = view.height, view.width
    if h * w <= budget:
        block = view.read(array, n)
        return block.reshape(view.channels, -1), differences(block)
    blocks, diffs = [], []
    for _ in range(max(1, budget // (_BLOCK * _BLOCK))):
        y = int(rng.integers(0, max(1, h - _BLOCK + 1)))
        x = int(rng.integers(0, max(1, w - _BLOCK + 1)))
        block = view.read(array, n, slice(y, y + _BLOCK), slice(x, x + _BLOCK))
        blocks.append(block.reshape(view.channels, -1))
        diffs.append(differences(block))
    return np.concatenate(blocks, axis=1), np.concatenate(diffs, axis=1)


def _check_steps(data: np.ndarray, array: Any, group: int | None) -> None:
    """Refuse values so large that float64, in which they are normalised (`axes.exact_float`),
    rounds them to steps above a thousandth of their spread (64-bit integers beyond 2**53 with
    a small spread around a large offset): the signal would be lost in silence."""
    lo, hi = float(data.min()), float(data.max())
    step = float(np.spacing(max(abs(lo), abs(hi))))
    if step <= 1.0 or hi - lo > 1000 * step:
        return
    which = f"channel {group} of the image" if group is not None else "the image"
    dtype = getattr(array, "dtype", "?")
    raise InputError(
        f"{which} ({dtype}) has values near {lo:.6g} that vary by only {hi - lo:g}: float64, "
        f"in which napari-sdap takes the offset off, keeps 53 bits (float32 keeps 24), so at "
        f"that size it rounds to steps of {step:g} and the signal would be lost; subtract the "
        f"offset first, e.g. image - image.min()")


def compute_normalization(sources: Sequence[tuple[Any, PlaneView]], cfg: NormalizationConfig,
                          seed: int = 0, names: Sequence[str | None] | None = None
                          ) -> Normalization:
    """Percentiles per channel group over a sample of planes of all sources (global, not per tile).

    Planes are visited in random order until `cfg.sample_pixels` pixels per group were read.
    `names`: the sources' file names (None: an array), for the warning of `check_scales`.
    """
    rng = np.random.default_rng(seed)
    view = sources[0][1]
    groups = view.n_channel_groups
    per_group: list[list[np.ndarray]] = [[] for _ in range(groups)]
    owners: list[list[int]] = [[] for _ in range(groups)]  # (the image of each block)
    group_diffs: list[list[np.ndarray]] = [[] for _ in range(groups)]
    counts = [0] * groups
    budget = cfg.sample_pixels
    order = [(k, int(n)) for k, (_, v) in enumerate(sources) for n in range(v.n_planes)]
    for i in rng.permutation(len(order)):
        k, n = order[i]
        array, v = sources[k]
        g = v.channel_group(n)
        if counts[g] >= budget:
            if min(counts) >= budget:
                break
            continue
        block, diffs = _sample_plane(array, v, n, budget - counts[g], rng)
        check_finite(block, "the image" if len(sources) == 1
                     else f"training image {k + 1} of {len(sources)}")
        per_group[g].append(block)
        owners[g].append(k)
        group_diffs[g].append(diffs.ravel())
        counts[g] += block[0].size
    lows, highs = [], []
    for g, blocks in enumerate(per_group):
        data = np.concatenate(blocks, axis=1)
        _check_steps(data, sources[0][0], g if groups > 1 else None)
        if data.min() == data.max():
            which = f"channel {g} of the image" if groups > 1 else "the image"
            raise InputError(
                f"{which} is constant (every sampled pixel is {float(data.flat[0]):g}): there is "
                f"no noise to learn from; check that the right image or channel was chosen"
                + (", or drop the empty channel" if groups > 1 else "")
            )
        # float64: interpolating between float32 values near +-3e38 would overflow to inf
        pct = [cfg.low_percentile, cfg.high_percentile]
        rows = [without_fill(row, pct) for row in data.astype(np.float64)]  # (not a fill)
        lo, hi = (np.array(v) for v in zip(*(np.percentile(r, pct) for r in rows), strict=True))
        lows.extend(float(v) for v in np.atleast_1d(lo))
        highs.extend(float(v) for v in np.atleast_1d(hi))
        check_scales(blocks, owners[g], len(sources), (cfg.low_percentile, cfg.high_percentile),
                     float(np.min(lo)), float(np.max(hi)), g if groups > 1 else None, names)
    noise = [difference_std(np.concatenate(d)) for d in group_diffs]
    if view.joint and len(lows) > 1:
        _warn_narrow_channels(lows, highs)
    if view.joint:  # one network input: keep a single shared mapping across the joint channels
        lows, highs = [min(lows)], [max(highs)]
    return Normalization(low=lows, high=highs, noise=noise)


def _warn_narrow_channels(lows: list[float], highs: list[float]) -> None:
    """Log a warning when one of the joint channels spans `JOINT_SPAN_RATIO` times less than
    the widest (fluorescence channels of very different brightness, trained as colour)."""
    spans = [h - lo for lo, h in zip(lows, highs, strict=True)]
    widest = max(spans)
    narrow = [(c, widest / max(s, 1e-300)) for c, s in enumerate(spans)
              if s * JOINT_SPAN_RATIO <= widest]
    if narrow:
        named = ", ".join(f"channel {c} ({r:.3g}x narrower)" for c, r in narrow)
        log.warning(
            "the channels are denoised jointly (one network and one intensity range for all, as "
            "for colour), but %s %s a far narrower range than the widest: the network's "
            "error on the widest channel's scale can swamp it; for fluorescence channels of "
            "different brightness, train with channel_mode='independent' (CLI: --channel-mode "
            "independent)", named, "spans" if len(narrow) == 1 else "span")
