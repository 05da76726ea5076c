"""Whether an output array can take a denoised result (`api.inputs.check_output`): its dtype
holds intensities, and its memory is not the input's (an element shared with the input would
be overwritten while later tiles still read it as context)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["memory_of", "overlaps", "value_kind"]


def value_kind(dtype: Any) -> str | None:
    """numpy's kind letter of an output's dtype (a torch dtype by its name); None: unknown."""
    for spelling in (dtype, str(dtype).removeprefix("torch.")):
        try:
            return np.dtype(spelling).kind
        except TypeError:
            continue
    return None


def memory_of(array: Any) -> np.ndarray | None:
    """The numpy memory behind `array`: itself, or an xarray DataArray's (`.data`); None for
    lazy and file-backed arrays (files are compared by path: `io.locate`)."""
    if isinstance(array, np.ndarray):
        return array
    if isinstance(getattr(array, "dims", None), tuple) and isinstance(getattr(array, "data", None),
                                                                       np.ndarray):
        return array.data  # (an xarray DataArray's own memory: written through .values)
    return None


def overlaps(out: Any, image: Any) -> bool:
    """Whether `out` shares an element with `image` in memory: exactly, so that the other
    channel of a Y x X x 2 array may take the result of the first (their bounds overlap);
    where that is too much work to tell, any overlap of their bounds counts."""
    a, b = memory_of(out), memory_of(image)
    if a is None or b is None:
        return False
    try:
        return bool(np.shares_memory(a, b, max_work=1_000_000))
    except np.exceptions.TooHardError:
        return bool(np.may_share_memory(a, b))
