"""Whether an output array can take a denoised result (`api.inputs.check_output`): its dtype
holds intensities, and its memory is not the input's (an element shared with the input would
be overwritten while later tiles still read it as context)."""

from __future__ import annotations

from typing import Any

import numpy as np

from napari_sdap.errors import OutputError

__all__ = ["as_dtype", "check_hard_mask", "check_stored", "memory_of", "overlaps", "value_kind"]


def as_dtype(dtype: Any) -> np.dtype | None:
    """An output's dtype as numpy's (a torch dtype by its name); None: unknown."""
    for spelling in (dtype, str(dtype).removeprefix("torch.")):
        try:
            return np.dtype(spelling)
        except TypeError:
            continue
    return None


def value_kind(dtype: Any) -> str | None:
    """numpy's kind letter of an output's dtype (`as_dtype`); None: unknown."""
    dt = as_dtype(dtype)
    return None if dt is None else dt.kind


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


def check_stored(out: Any) -> None:
    """Refuse a dask array as the output: it takes each tile written into it as one more step
    of its graph (nothing is stored, and the graph grows with the image)."""
    if type(out).__module__.split(".")[0] == "dask":
        raise OutputError("out is a dask array, which takes each tile written into it as one "
                          "more step of its graph (nothing is stored; the graph grows with "
                          "the image); give a numpy or zarr array or an output path, or use "
                          "lazy=True for a dask result")


def check_hard_mask(out: Any) -> None:
    """Refuse a numpy masked array with a hard mask over some pixels: numpy skips writes to
    them, so they would keep their old values without a word (a soft mask is lifted where the
    result is written)."""
    if isinstance(out, np.ma.MaskedArray) and out.hardmask and np.ma.count_masked(out):
        raise OutputError(f"the output is a masked array with a hard mask over "
                          f"{np.ma.count_masked(out)} pixel(s), which numpy never writes (they "
                          f"would keep their old values); call out.soften_mask() first, or give "
                          f"a plain array, e.g. np.empty(image.shape, 'float32')")
