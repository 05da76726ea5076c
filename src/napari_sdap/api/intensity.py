"""Whether an image lies on the intensity scale the model was trained on.

A model maps intensities through the normalisation of its training data (`model.normalize`),
which also reads the noise there: the model is meant for the same kind of data, and keeps the
relation between intensity and noise that it learnt. The same image stored on another scale
(floats of 0..1 for a model trained on 8-bit, 16-bit counts, an added offset) breaks that
relation: the network sees noise far weaker or stronger than it ever saw, or intensities far
outside its range, and its output is wrong, worse than the noisy input (or, past the float32
range, not finite). `check_intensity` reads a few windows of the image before denoising and
compares:

- the noise: a robust std of the differences of neighbouring pixels, pooled over the windows
  read, against the same reading on the training data, pooled over its planes
  (`Normalization.noise`; models saved without it skip this);
- the position: the image's median in units of the training data's percentile span.

Beyond `WARN` (noise ratio) or `WARN_SPANS` it logs a warning that names the mismatch; beyond
`REFUSE` or `REFUSE_SPANS`, where the output can only be wrong, it raises `InputError` with the
fix. Dim or bright images of the same instrument stay within both: their noise is the
instrument's.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from napari_sdap.axes import PlaneView
from napari_sdap.errors import InputError
from napari_sdap.model.normalize import difference_std, differences, without_fill

__all__ = ["FIX", "REFUSE", "REFUSE_SPANS", "WARN", "WARN_SPANS", "check_intensity",
           "intensity_mismatch"]

log = logging.getLogger(__name__)

WARN, REFUSE = 8.0, 64.0
"""Noise std of the image over the training data's, or its inverse, beyond which a warning is
logged / the image is refused."""
WARN_SPANS, REFUSE_SPANS = 1.0, 3.0
"""Distance of the image's median from the training data's percentile range [low, high], in
units of that range's span, beyond which a warning is logged / the image is refused."""
_WINDOW, _PLANES = 256, 4


def _windows(array: Any, view: PlaneView) -> list[tuple[int, np.ndarray]]:
    """(channel group, float64 C x h x w window) at the centre of up to `_PLANES` planes."""
    h, w = view.height, view.width
    ys = slice(max(0, (h - _WINDOW) // 2), max(0, (h - _WINDOW) // 2) + min(h, _WINDOW))
    xs = slice(max(0, (w - _WINDOW) // 2), max(0, (w - _WINDOW) // 2) + min(w, _WINDOW))
    planes = np.unique(np.linspace(0, view.n_planes - 1, min(view.n_planes, _PLANES)).astype(int))
    return [(view.channel_group(int(n)),
             view.read(array, int(n), ys, xs, dtype=np.float64)) for n in planes]


def intensity_mismatch(model: Any, array: Any, view: PlaneView) -> tuple[float, float] | None:
    """(noise ratio, spans) of the worst channel group: the image's noise std over the training
    data's (`normalize.difference_std`; 1 for models saved without it) and the distance of the
    image's median from the training range in spans (0 inside it); None for an untrained
    model."""
    norm = model.normalization
    if norm is None:
        return None
    ratio, spans = 1.0, 0.0
    pooled: dict[int, list[np.ndarray]] = {}
    windows = [(group, data, data[np.isfinite(data)]) for group, data in _windows(array, view)]
    # a window of one value holds no measurement (a dropped frame, a fill) where others do
    varied = any(v.size and v.min() < v.max() for _, _, v in windows)
    for group, data, values in windows:
        lo, sc = norm.scale(group)
        if not values.size:
            continue
        if norm.high[group] > lo and (values.min() < values.max() or not varied):
            level = (float(np.median(without_fill(values))) - lo) / sc  # (not a fill)
            spans = max(spans, -level, level - 1.0)
        pooled.setdefault(group, []).append(differences(data).ravel())
    for group, diffs in pooled.items():  # over the planes read, as training pooled its own:
        # a stack's dark planes (outside the sample) have far weaker noise than its bright
        # ones, and the model's own training stack was refused for them, plane by plane
        known = norm.noise[group] if norm.noise is not None else 0.0
        noise = difference_std(np.concatenate(diffs))
        if noise > 0 and known > 0 and abs(math.log(noise / known)) > abs(math.log(ratio)):
            ratio = noise / known
    return ratio, spans


FIX = ("; rescale it to the training data's scale, or train a model on this image "
        "(napari_sdap.train, or napari-sdap denoise --train)")
"""What to do about an image refused here (from "; "; the napari panels say it their way)."""


def check_intensity(model: Any, array: Any, view: PlaneView,
                    harm: tuple[str, str] = ("the network's output would be wrong",
                                             "the output may be worse than the input"),
                    fix: str = FIX, found: tuple[float, float] | None = None) -> str | None:
    """Refuse an image on another intensity scale than the model's training data, or return
    the warning (also logged) where it may be (see the module text); None where it fits.
    `harm` says what follows (refused, warned), `fix` what to do (from "; "); `found`: the
    image's `intensity_mismatch` where it was read already."""
    found = intensity_mismatch(model, array, view) if found is None else found
    if found is None:
        return None
    ratio, spans = found
    norm = model.normalization
    trained = ", ".join(f"{lo:.4g}..{hi:.4g}" for lo, hi in zip(norm.low, norm.high,
                                                                strict=True))
    what = []
    far = max(ratio, 1.0 / ratio)
    if far > WARN:
        what.append(f"its noise is {far:.0f}x {'stronger' if ratio > 1 else 'weaker'} than the "
                    f"noise the model was trained on")
    if spans > WARN_SPANS:
        what.append(f"its intensities lie {spans:.0f}x the training range's width outside it")
    if not what:
        return None
    text = (f"this image does not look like the data the model was trained on (whose "
            f"intensities ran {trained}): {' and '.join(what)}, as when it is stored on "
            f"another scale (0..1 instead of 0..255, another bit depth, an added offset)")
    if far > REFUSE or spans > REFUSE_SPANS:
        raise InputError(f"{text}: {harm[0]}{fix}")
    warning = f"{text}: {harm[1]}{fix}"
    log.warning("%s", warning)
    return warning
