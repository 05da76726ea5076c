"""Part of the noisy input given back to the output of a model trained for correlated noise,
where Stein's estimate finds that output worse than the input itself.

On detailed images with weak correlated noise (photographs at low ISO, textured crops with box
noise of std 15) the blind-spot network at a stride above 1 removes texture that the input
still holds, and its default output can lie below the noisy input (docs/benchmarks.md). For
the output ``f`` (its blur included) the risk of ``(1 - a) f + a x`` less that of ``f`` is,
summed over the pixels,

    R ((1 - a)**2 - 1) + 2 a S,    R = sum((f - x)**2),    S = sum(C_ii - (J C)_ii)

(``C`` the noise covariance, ``J`` the output's Jacobian: `infer.correlated` estimates both),
lowest at ``a* = 1 - S / R``; and ``f`` is worse than ``x`` itself exactly where
``R > 2 S``, i.e. ``a* > 1/2``. The share given back is ``a = 1 - 2 S / R`` (none below 0):
nothing unless the output is estimated worse than its input, and never more than ``a*`` as
long as the noise variance is read at least half of its true value (``S`` scales with it;
the readings measured were 0.61-1.44 of the truth), so that the error only falls. It is kept
where its estimated gain exceeds `ERRORS` standard errors (from `blocks.BLOCK`² block means)
and `MIN_GAIN` of the noise variance, as the blur is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from napari_sdap.infer.blocks import block_means

__all__ = ["GiveBack", "choose_give_back"]

ERRORS = 2.0
MIN_GAIN = 0.002


@dataclass(frozen=True)
class GiveBack:
    """The share of the noisy input given back, and the estimate behind it."""

    share: float
    """Share ``a`` of the input in ``(1 - a) out + a x`` (0: none)."""
    best: float
    """The share Stein's estimate finds best, ``1 - S / R`` (`share` is ``2 best - 1``)."""
    gain: float
    """Estimated decrease of the mean squared error at `share`, in units of the noise
    variance."""
    stderr: float
    pixels: int

    def summary(self) -> dict[str, float]:
        """What a model's record keeps of the choice (`record.output_mix`)."""
        return {"give_back": self.share, "best_share": round(self.best, 5),
                "gain": round(self.gain, 5), "gain_se": round(self.stderr, 5),
                "pixels": self.pixels}


def choose_give_back(terms: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]],
                     variance: float) -> GiveBack | None:
    """The share of the input to give back, from (``f - x``, ``C_ii - (J C)_ii``, counted
    pixels) of C x h x w windows of the output ``f`` as it is; `variance`: the mean noise
    variance over the counted pixels (the unit of the gain). None without counted pixels."""
    seen = [(r.astype(np.float64), q.astype(np.float64), keep) for r, q, keep in terms
            if keep.any()]
    if not seen:
        return None
    residual = sum(float((r[keep] ** 2).sum()) for r, _, keep in seen)
    spare = sum(float(q[keep].sum()) for _, q, keep in seen)
    pixels = int(sum(keep.sum() for _, _, keep in seen))
    best = 1.0 - spare / residual if residual > 0 else 0.0
    share = float(np.clip(2.0 * best - 1.0, 0.0, 1.0))
    if share == 0.0:
        return GiveBack(0.0, best, 0.0, 0.0, pixels)
    scale = max(variance, 1e-12)
    change = [(((1.0 - share) ** 2 - 1.0) * r * r + 2.0 * share * q, keep)
              for r, q, keep in seen]
    gain = -sum(float(d[keep].sum()) for d, keep in change) / pixels / scale
    blocks = np.concatenate([block_means(d, keep) for d, keep in change])
    stderr = float(blocks.std()) / math.sqrt(max(blocks.size, 1)) / scale
    if not gain > max(ERRORS * stderr, MIN_GAIN):
        share = 0.0
    return GiveBack(share, best, gain, stderr, pixels)
