"""Training images on very different intensity scales (`normalize.compute_normalization`):
one normalisation maps them all, so an image on a scale far below the others' reaches the
network as a near-constant plane (0..255 next to the same scene x1000: a thousandth of the
range), and one far above is clipped; a warning names them and the fix."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np

__all__ = ["SCALE_FACTOR", "check_scales"]

log = logging.getLogger(__name__)

SCALE_FACTOR = 10.0
"""An image whose own percentile span is this many times smaller or larger than the span of
all images together, or whose range lies outside theirs, is named."""


def check_scales(blocks: list[np.ndarray], owners: list[int], n_sources: int,
                 percentiles: tuple[float, float], low: float, high: float,
                 group: int | None = None, names: Sequence[str | None] | None = None
                 ) -> str | None:
    """Warn (log, and return the text) when a training image's own percentiles (`blocks`
    of one channel group, `owners` their image indices) are far from the common `low`..`high`;
    None when every image is on their scale, or there is one image. `names`: each image's
    file name (None: an array), said with its number: a batch's "image 7" named no file."""
    if n_sources < 2 or not high > low:
        return None
    span = high - low
    own: dict[int, tuple[float, float]] = {}
    for k in sorted(set(owners)):
        data = np.concatenate([b for b, o in zip(blocks, owners, strict=True) if o == k], axis=1)
        lo, hi = np.percentile(data.astype(np.float64), percentiles)
        own[k] = (float(lo), float(hi))
    off = {k: (lo, hi) for k, (lo, hi) in own.items()
           if (hi - lo) * SCALE_FACTOR < span or hi - lo > SCALE_FACTOR * span
           or lo > high or hi < low}
    if not off:
        return None

    def image(k: int) -> str:
        name = names[k] if names is not None and k < len(names) else None
        return f"image {k + 1}" + (f" ({name})" if name else "")

    ranges = "; ".join(f"{image(k)}: {lo:.4g}..{hi:.4g}" for k, (lo, hi) in own.items())
    spans = {k: hi - lo for k, (lo, hi) in own.items()}
    big, small = max(spans, key=spans.__getitem__), min(spans, key=spans.__getitem__)
    ratio = spans[big] / spans[small] if spans[small] > 0 else math.inf
    example = (f"divide {image(big)} by about {ratio:.3g}" if math.isfinite(ratio)
               and ratio >= SCALE_FACTOR else "take each image's offset off")
    which = ", ".join(image(k).removeprefix("image ") for k in off)
    text = (f"the training images are on very different intensity scales ({ranges}; together "
            f"{low:.4g}..{high:.4g}{f', channel {group}' if group is not None else ''}): one "
            f"normalisation maps them all, so image(s) {which} reach the network far off its "
            f"range (near-constant, or clipped) and are denoised poorly; put them on one scale "
            f"first (e.g. {example}), or train one model per scale")
    log.warning("%s", text)
    return text
