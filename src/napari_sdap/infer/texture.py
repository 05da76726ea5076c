"""A cap on the detail restore's noise readings that texture cannot lift far: a low quantile of
each intensity bin's local noise energy.

The noise curve reads each bin's noise where the network output is flattest (`infer.curve`).
Where a whole bin is texture the network missed (the bright foliage of a photograph), even its
flattest pixels hold that texture, and the bin reads it as noise: on BSD68 test008 with 2 x 2
box-filtered noise of std 15 the curve read std 15.6-43.3, the gate gave back almost nothing
there and the output fell 2.4 dB below the noisy input. Texture is patchy, noise is everywhere:
the lowest local readings of a bin (7 x 7 windows, `infer.curve`'s ``max(E - D, 0)``) are
texture-free far more often than the flattest outputs are.

For noise alone, the `CAP_QUANTILE` quantile of those local readings is a fixed share of the
noise variance, set by how many independent samples a 7 x 7 window holds: 0.49-0.61 for 2 x 2
box noise at stride 2 on 15 smooth and textured photograph crops (their least textured bins).
`CAP_FACTOR` scales it back, so a bin of noise alone reads about as before (the cap lowered
smooth bins' readings by at most 8 % in std) and a textured bin far less above its noise than
before (test008: std up to 1.7x the truth, 2.9x without the cap).

Noise whose local readings spread wider than that is left uncapped: where even the bin of
least texture reads above its cap (JPEG-compressed camera noise is flattened to nothing in
smooth 8 x 8 blocks and left in busy ones; on PolyU chair_11 the least textured bin read 2.6x
its 5th percentile, against 1.4-1.6x on the box-noise crops), a cap would read the noise far
too low (0.2-0.47x the truth on chair_11, against 0.47-0.69x without it).

The cap is used only where the noise reads decorrelated at the training stride
(`infer.noise_reach`): there a window holds as many independent noise samples as on those
crops. Where the noise is still correlated at the stride (camera pipelines, FMD wide-field) the
windows hold fewer, the quantile lies lower, the residual mostly reads the noise low already
(0.64-1.1x the truth in std on FMD wide-field frames and phone-camera proxies), and the cap
would lower it further.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["CAP_FACTOR", "CAP_QUANTILE", "texture_cap"]

CAP_QUANTILE = 0.05
CAP_FACTOR = 1.8
"""1 / 0.556: the noise variance over the `CAP_QUANTILE` quantile of its local readings."""


def texture_cap(clear: np.ndarray, masks: Sequence[np.ndarray], reads: Sequence[float]
                ) -> list[float]:
    """The highest noise variance each bin (`masks` over the local readings `clear`, which
    read `reads` without the cap) may read: `CAP_FACTOR` times the bin's `CAP_QUANTILE`
    quantile of `clear`; no cap (infinity) where even the bin of least texture, the one whose
    reading is the smallest multiple of its quantile, reads above the cap: the local readings
    of that noise spread wider than Gaussian noise's (JPEG-compressed camera noise, flattened
    to nothing in smooth blocks: PolyU chair_11 1.6x the cap)."""
    quantiles = [float(np.quantile(clear[m], CAP_QUANTILE)) for m in masks]  # clear >= 0
    ratios = [r / q for r, q in zip(reads, quantiles, strict=True) if q > 0.0]
    if not ratios or min(ratios) > CAP_FACTOR:
        return [np.inf] * len(masks)
    return [CAP_FACTOR * q for q in quantiles]
