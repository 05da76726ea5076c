"""Whether an output array can take a denoised result (`check_output`): its dtype holds
intensities, and its memory is not the input's (an element shared with the input would be
overwritten while later tiles still read it as context)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from napari_sdap.api.alpha import copy_alpha, without_alpha
from napari_sdap.errors import InputError, OutputError
from napari_sdap.io.locate import array_paths, check_apart
from napari_sdap.io.outputs import writable

if TYPE_CHECKING:
    from napari_sdap.api.inputs import Prepared

__all__ = ["as_dtype", "check_hard_mask", "check_output", "check_stored", "memory_of",
           "overlaps", "value_kind"]


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
    if type(array).__module__.startswith("xarray") and not getattr(array, "_in_memory", False):
        return None  # (lazily opened, `open_zarr(chunks=None)`: `.data` would read it all)
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


def check_output(image: Prepared, out: Any) -> Any:
    """Check that `out` can take the result of `image`; returns the array to write the network
    output into (the colour channels of an RGBA output, whose alpha is copied here)."""
    if not all(hasattr(out, name) for name in ("shape", "dtype", "__setitem__")):  # (else
        # an AttributeError: a pandas DataFrame has a shape and items, no dtype)
        raise OutputError(f"out must be an array of the image's shape (numpy, zarr, a torch "
                          f"tensor), got {type(out).__name__}; a file: model.denoise(image, "
                          f"output='result.tif')")
    check_stored(out)
    out = writable(out)  # a torch tensor: through a numpy view of its memory
    check_hard_mask(out)
    same = out is image.full or out is image.array or overlaps(out, image.full)
    if isinstance(out, np.ndarray) and not out.flags.writeable:
        raise OutputError("the output array is read-only (writeable=False); give a writable "
                          "array, e.g. np.empty(image.shape, 'float32')")
    if getattr(out, "read_only", False) is True:  # a zarr array opened with mode="r"
        raise OutputError("the output array is opened read-only (a zarr array opened with "
                          "mode='r'); open it with mode='r+' or 'a', or give an output path")
    if same:
        raise OutputError("the output array is (or overlaps) the input image; denoising in "
                          "place would overwrite the original data; give a separate output "
                          "array, e.g. np.empty(image.shape, 'float32')")
    kind = value_kind(getattr(out, "dtype", None))
    if kind is not None and kind not in "uif":  # bool, complex, text: every value made wrong
        raise OutputError(f"the output array has dtype {out.dtype}, which cannot hold the "
                          f"denoised intensities (they would all be cast to it); give a float "
                          f"or integer array, e.g. np.empty(image.shape, 'float32')")
    if image.rgba and tuple(out.shape) == image.shape:
        copy_alpha(image.full, out, image.rgba)  # alpha passes through; colours are denoised
        out = without_alpha(out)
    if tuple(out.shape) != image.view.shape:
        raise InputError(f"output shape {tuple(out.shape)} differs from the image shape "
                         f"{image.shape}; give an output of the same shape")
    check_apart("array", array_paths(out), image.inputs)  # the same store opened twice
    return out
