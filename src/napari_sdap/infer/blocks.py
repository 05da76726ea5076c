"""Block means: the standard errors of the estimates that choose an output stage (the output
blur of correlated noise, the mix with blurred input) come from the spread of their per-pixel
terms' means over blocks, which holds where neighbouring terms are correlated."""

from __future__ import annotations

import numpy as np

__all__ = ["BLOCK", "block_means"]

BLOCK = 16
"""Edge of the blocks (pixels)."""


def block_means(d: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Means of `d` over the counted pixels of each `BLOCK`² block (at least half counted); a
    window too small for one block is one block (its pixels' terms are no more independent
    than a block's), none when it has no counted pixel."""
    h, w = d.shape[-2:]
    hb, wb = h // BLOCK, w // BLOCK
    if hb == 0 or wb == 0:
        return np.array([d[ok].mean()]) if ok.any() else np.zeros(0)
    cut = (..., slice(0, hb * BLOCK), slice(0, wb * BLOCK))
    dd = np.where(ok, d, 0.0)[cut].reshape(-1, hb, BLOCK, wb, BLOCK).sum(axis=(2, 4))
    nn = ok[cut].reshape(-1, hb, BLOCK, wb, BLOCK).sum(axis=(2, 4))
    full = nn >= BLOCK * BLOCK // 2
    return dd[full] / nn[full]
