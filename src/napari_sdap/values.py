"""Pixel values napari-sdap accepts: the dtype check and the NaN / infinity check; and the
yes/no flags of the API that decide whether a file is replaced (`check_overwrite`), and the
chunk shape asked for an output (`check_chunks`).

Used where pixels enter: once per image when it is prepared (`api.inputs`), and region by region
as lazy images are read (training patches, inference tiles), so big images are never loaded whole
just to be checked.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from napari_sdap.errors import InputError, OutputError
from napari_sdap.kinds import is_flag, is_whole

__all__ = ["check_chunks", "check_dtype", "check_finite", "check_overwrite", "check_per_axis",
           "unmasked"]

_F32_MAX = float(np.finfo(np.float32).max)


def check_dtype(dtype: Any) -> np.dtype:
    """Accept integer and real floating dtypes; refuse bool, complex, object, strings."""
    dt = np.dtype(dtype)
    if dt.kind in "ui" or dt.kind == "f":
        return dt
    if dt.kind == "b":
        raise InputError(
            "image dtype bool is not supported: a binary image (a mask or a segmentation) holds "
            "no grey levels to denoise; denoise the recorded image it was made from")
    what = {"c": "complex", "O": "object"}.get(dt.kind, str(dt))
    raise InputError(
        f"image dtype {dt} ({what}) is not supported; give an integer or real float image, "
        f"e.g. convert with image.astype('float32') (a file: save it as integers or floats)"
        + (" or take np.abs() / .real first" if dt.kind == "c" else "")
    )


def unmasked(image: Any) -> Any:
    """`image` itself, or a numpy masked array's values where nothing is masked; a masked
    pixel raises `InputError`: its value under the mask would be denoised (and spread into
    its neighbours) and the mask lost without a word."""
    if isinstance(getattr(image, "_meta", None), np.ma.MaskedArray):  # a dask masked array
        raise InputError(
            "the image is a dask masked array; napari-sdap reads every pixel, so the values "
            "under its mask would be denoised and the mask lost (a lazy array's mask is not "
            "read whole to count it); fill it first, e.g. da.ma.filled(image, fill_value), or "
            "give da.ma.getdata(image) to denoise the values as they are")
    if not isinstance(image, np.ma.MaskedArray):
        return image
    masked = int(np.ma.count_masked(image))
    if masked:
        raise InputError(
            f"the image is a numpy masked array with {masked} masked pixel(s) of "
            f"{image.size}; napari-sdap reads every pixel, so the values under the mask would be "
            f"denoised and the mask lost; fill them first, e.g. "
            f"np.ma.filled(image, np.ma.median(image)), or give image.data to denoise the "
            f"values as they are")
    return np.ma.getdata(image)


def check_finite(block: np.ndarray, where: str = "the image") -> None:
    """Raise `InputError` if `block` holds NaN or infinite values (beyond float32's range
    counts as infinite, also in a block read as float64: `axes.exact_float`)."""
    finite = np.isfinite(block)
    if block.dtype.kind == "f" and block.dtype.itemsize > 4:
        finite &= np.abs(block) <= _F32_MAX
    if not finite.all():
        bad = int(np.size(block) - np.count_nonzero(finite))
        raise InputError(
            f"{where} contains {bad} NaN or infinite value(s) (beyond +-3.4e38, float32's "
            f"range, counts as infinite); replace or rescale them first, "
            f"e.g. np.nan_to_num(image, nan=0.0, posinf=..., neginf=...)"
        )


def check_overwrite(overwrite: object) -> bool:
    """`overwrite` as a bool (numpy's too), else `OutputError`: any other object counted by its
    truth value, so `overwrite="no"` (or "False", 0.0 aside) replaced an existing file."""
    if is_flag(overwrite):
        return bool(overwrite)
    raise OutputError(f"overwrite must be True or False (got {overwrite!r}): True replaces an "
                      f"existing file once the new one is complete, False refuses it")


def check_chunks(chunks: object, shape: tuple[int, ...], axes: str) -> tuple[int, ...]:
    """`chunks` (an output's chunk shape, `open_denoise(chunks=...)`) as a tuple of ints, one of
    at least 1 per axis of `shape`, else `OutputError` (a wrong length gave an IndexError, a 0 a
    ZeroDivisionError and a text zarr's TypeError, after the output was opened)."""
    given = None if isinstance(chunks, str | bytes) or not hasattr(chunks, "__iter__") \
        else tuple(chunks)  # type: ignore[call-overload]
    if given is None or len(given) != len(shape) or not all(is_whole(c) and c >= 1
                                                            for c in given):
        example = tuple(min(n, 512) if a in "YX" else 1
                        for a, n in zip(axes, shape, strict=True))
        raise OutputError(f"chunks must be one whole number of at least 1 per axis of the "
                          f"output ({axes}, shape {shape}), got {chunks!r}; e.g. "
                          f"chunks={example}, or leave it out")
    return tuple(int(c) for c in given)


def check_per_axis(name: str, value: object) -> None:
    """Refuse an output's `scale`, `units` or `translation` that is not a dict by axis letter
    (None passes): a list raised an AttributeError ('list' object has no attribute 'items')."""
    if value is not None and not isinstance(value, dict):
        example = dict.fromkeys("YX", "micrometer" if name == "units" else 0.5)
        raise OutputError(f"{name} must be a dict by axis letter, e.g. {name}={example} (got a "
                          f"{type(value).__name__}), or None")
