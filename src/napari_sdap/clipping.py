"""Whether a channel's lowest or highest value is a clip (noise cut off there), the one test
the bias correction (`infer.offset`), the risk estimates (`infer.risk.unclipped`) and the
noise's skewness (`training.noise`) share."""

from __future__ import annotations

import numpy as np

__all__ = ["CLIPPED", "clipped_ends"]

CLIPPED = 0.01
"""A channel with at least this share of its sampled input pixels at its lowest (or highest)
value, and more there than at the value next to it, counts as clipped and gets offset 0 (the
clipped 8-bit proxies: 14-38 %; FMD raw frames up to 4.9 % at their lowest grey level, but
fewer than at the next)."""


def clipped_ends(x: np.ndarray, share: float) -> tuple[bool, bool]:
    """Whether the lowest and the highest value of `x` are clips: at least `share` of its
    values (and at least two) read exactly it, and they pile up there, more of them than read
    the value next to it. Integer data whose lowest level is merely common are not clipped
    (FMD Confocal_BPAE_G: 4.9 % of the sampled pixels at its lowest grey level, 6.3 % at the
    next); 8-bit frames with the background cut at 0 are (14-38 % there, docs/benchmarks.md).
    Integer photon counts without read noise, whose zeros outnumber the ones, read as clipped.
    A constant `x` of two or more values is clipped at both ends."""
    _, counts = np.unique(x, return_counts=True)
    if counts.size < 2:
        flat = counts.size == 1 and x.size >= 2
        return flat, flat
    floor = max(2.0, share * x.size)
    return (bool(counts[0] >= floor and counts[0] > counts[1]),
            bool(counts[-1] >= floor and counts[-1] > counts[-2]))
