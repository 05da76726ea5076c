"""Whether an integer output dtype holds the model's intensities (`writing.output_dtype`,
`job.run_tiles` for an output array): dtype='uint8' for a 16-bit model clipped every pixel to
255, and uint8 for a 0..1 float model rounded the result to 0 and 1, without a word."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from napari_sdap.api.output_array import as_dtype
from napari_sdap.errors import OutputError

__all__ = ["MIN_LEVELS", "check_integer_range"]

log = logging.getLogger(__name__)

MIN_LEVELS = 16
"""Fewer integer steps than this across the model's range are warned about."""


def check_integer_range(dtype: Any, normalization: Any, input_dtype: Any = None,
                        array: bool = False) -> None:
    """`OutputError` where the model's whole range (its normalisation's low..high) lies outside
    an integer `dtype` (every pixel would clip to one value); a warning where part of it
    does, or where it spans fewer than `MIN_LEVELS` integers (unless `dtype` is the input's
    own, `input_dtype`: its levels are the image's). `array`: an output array was given."""
    dt = as_dtype(dtype)
    if dt is None or dt.kind not in "ui" or normalization is None:
        return
    info = np.iinfo(dt)
    for g, (lo, hi) in enumerate(zip(normalization.low, normalization.high, strict=True)):
        where = f" (channel group {g})" if len(normalization.low) > 1 else ""
        fix = ("give a float array, e.g. np.empty(image.shape, 'float32')" if array else
               "give dtype='input' (the image's own), 'float32', or leave dtype out")
        if hi < info.min or lo > info.max:
            raise OutputError(f"an output of dtype {dt} holds {info.min}..{info.max}, but the "
                              f"model's intensities{where} lie at {lo:.6g}..{hi:.6g}: every "
                              f"pixel would be clipped to one value; {fix}")
        few = min(hi, info.max) - max(lo, info.min) < MIN_LEVELS and (
            input_dtype is None or np.dtype(input_dtype) != dt)
        if few:
            log.warning("an output of dtype %s keeps only about %d grey levels across the "
                        "model's intensities%s (%.6g..%.6g): the denoised values are rounded "
                        "to them; %s", dt, int(min(hi, info.max) - max(lo, info.min)) + 1,
                        where, lo, hi, fix)
        elif lo < info.min or hi > info.max:
            log.warning("an output of dtype %s holds %d..%d, but the model's intensities%s "
                        "reach %.6g..%.6g: the pixels beyond are clipped; %s", dt, info.min,
                        info.max, where, lo, hi, fix)
