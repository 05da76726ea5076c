"""Where structure was taken out: the local residual energy against the noise expected there.

Pieces are 2-D windows of one channel with `x` (input), `y` (output), `key` (channel), `group`
and `channel` (indices into the model's noise curve and normalisation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from napari_sdap.qc.metrics import intensity_bands, local_energy

__all__ = ["EXCESS", "EXCESS_CORRELATED", "excess_share", "mark_excess", "no_data"]

EXCESS = 2.0
"""A pixel whose local residual energy (7 x 7 mean of the squared residual) exceeds this many
times the noise variance lost structure: white noise gets there at about 1 pixel in 10^4."""
EXCESS_CORRELATED = 3.0
"""The same for spatially correlated noise (fewer independent samples per window: 3 x 3 box
noise passes 3 x at about 0.2% of pixels)."""


def _data_curve(pieces: Sequence[Any], energies: list[np.ndarray]
                ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Without a model: per channel, the median local energy in each band of output intensity
    against the band's median output (assumes at least half of each band lost only noise)."""
    curves = {}
    for key in {p.key for p in pieces}:
        mine = [(p, e) for p, e in zip(pieces, energies, strict=True) if p.key == key]
        y = np.concatenate([p.y.ravel() for p, _ in mine])
        e = np.concatenate([e.ravel() for _, e in mine])
        bands = intensity_bands(y, e, key, bands=16)
        edges = [b.low for b in bands] + [bands[-1].high]
        index = np.clip(np.searchsorted(edges, y, side="right") - 1, 0, len(bands) - 1)
        variance = [float(np.median(e[index == k])) if np.any(index == k) else 0.0
                    for k in range(len(bands))]
        curves[key] = (np.array([b.level for b in bands]), np.array(variance))
    return curves


def no_data(x: np.ndarray, size: int = 7) -> np.ndarray:
    """Where the input `x` (2-D) is one exact value over the `size` x `size` window around the
    pixel: no measurement there (a stitched mosaic's fill, a registration's padding, a mask), so
    no noise to compare a residual with: the noise curve reads about 0 there, and the smallest
    difference of the output read as structure taken out (a mosaic's fill of 37.5 % was flagged
    with 40 % of its pixels). Such pixels are left out of the check's shares and bands."""
    pad = size // 2
    win = np.lib.stride_tricks.sliding_window_view(np.pad(x, pad, mode="edge"), (size, size))
    return win.max(axis=(-2, -1)) == win.min(axis=(-2, -1))


def mark_excess(pieces: Sequence[Any], curve: Any, normalization: Any, factor: float
                ) -> list[np.ndarray]:
    """Each piece's map of where structure was taken out: local residual energy above `factor`
    x the noise variance expected over the same window, from the model's noise curve at each
    pixel's output intensity, or without a model from the image itself (`_data_curve`)."""
    energies = [local_energy(p.x - p.y) for p in pieces]
    out = []
    own = _data_curve(pieces, energies) if curve is None or normalization is None else {}
    for p, e in zip(pieces, energies, strict=True):
        if own:
            levels, variance = own[p.key]
            s2 = np.interp(p.y, levels, variance)
        else:
            lo, sc = normalization.scale(p.group)
            s2 = np.interp((p.y - lo) / sc, curve.levels[p.group][p.channel],
                           curve.variance[p.group][p.channel]) * sc * sc
        s2 = local_energy(np.sqrt(s2))  # the noise expected over the same window
        out.append((e > factor * np.maximum(s2, 1e-30)) & ~no_data(p.x))
    return out


def excess_share(pieces: Sequence[Any]) -> float:
    """The share of the pixels holding a measurement (`data`) where structure was taken out
    (`excess`), over `pieces`."""
    held = sum(int(p.data.sum()) for p in pieces)
    return sum(int(p.excess.sum()) for p in pieces) / held if held else 0.0
