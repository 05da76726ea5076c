"""Turning user images into checked (array, PlaneView) sources."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from napari_sdap.api.alpha import rgba_axes, without_alpha
from napari_sdap.axes import PlaneView, plane_view
from napari_sdap.errors import AxesError, InputError, OutputError
from napari_sdap.model.normalize import check_dtype, check_finite

__all__ = ["as_source", "as_sources", "check_not_input", "check_shape"]


def as_source(image: Any, axes: str | None, channel_mode: str = "auto") -> tuple[Any, PlaneView]:
    """Check one image (numpy, dask, zarr or any sliceable array) and build its plane view.

    Numpy arrays are checked for NaN/Inf up front; lazy arrays are checked region by region as
    they are read, so they are never loaded whole.
    """
    if isinstance(image, (list, tuple)):
        raise InputError("got a list where one image was expected; stack it with np.stack or "
                         "pass the images separately")
    if not hasattr(image, "shape") or not hasattr(image, "dtype"):
        image = np.asarray(image) if isinstance(image, (int, float)) else image
        if not hasattr(image, "shape"):
            raise InputError(f"image must be an array (numpy, dask or zarr), "
                             f"got {type(image).__name__}")
    check_dtype(image.dtype)
    check_shape(image)
    if rgba_axes(image.shape, axes, channel_mode):  # RGBA: alpha is a mask, not a signal
        image = without_alpha(image)
    if 0 in tuple(image.shape):
        raise InputError(f"image is empty (shape {tuple(image.shape)}); give a non-empty image")
    if len(image.shape) < 2:
        raise InputError(f"image must have at least 2 dimensions (Y, X), got shape "
                         f"{tuple(image.shape)}")
    view = plane_view(image.shape, axes, channel_mode)
    if isinstance(image, np.ndarray):
        check_finite(image)
    return image, view


def as_sources(images: Any, axes: str | Sequence[str | None] | None,
               channel_mode: str = "auto") -> list[tuple[Any, PlaneView]]:
    """One image or a sequence of images -> list of sources with matching channel layout.

    `axes` is one axes string (or None) for every image, or a list with one per image: the
    network works on planes, so a YX image, a ZYX stack and a TYX series train one model as
    long as their channels agree.
    """
    items: Sequence[Any] = images if isinstance(images, (list, tuple)) else [images]
    if not items:
        raise InputError("no image given; pass at least one image")
    each = list(axes) if isinstance(axes, (list, tuple)) else [axes] * len(items)
    if len(each) != len(items):
        raise AxesError(f"got {len(each)} axes strings for {len(items)} image(s); give one "
                        f"axes string per image, or one string (or None) for all")
    sources = [as_source(im, ax, channel_mode) for im, ax in zip(items, each, strict=True)]
    first = sources[0][1]
    for _, v in sources[1:]:
        if (v.channels, v.n_channel_groups) != (first.channels, first.n_channel_groups):
            raise InputError(
                f"all training images need the same channels: {first.axes} {first.shape} vs "
                f"{v.axes} {v.shape}; train one model per channel layout"
            )
    return sources


def check_shape(image: Any) -> None:
    """Refuse arrays whose size is unknown (dask after boolean indexing: NaN chunk sizes)."""
    shape = tuple(image.shape)
    if not all(isinstance(s, (int, np.integer)) for s in shape):
        raise InputError(f"image shape {shape} has unknown sizes (a dask array after boolean "
                         f"indexing?); call image.compute_chunk_sizes() first")


def check_not_input(image: Any, out: Any) -> None:
    """Refuse an output array that is, or shares memory with, the input image.

    Denoising in place would destroy the noisy original (the only copy of the measurement) and,
    with tiles, would read already-denoised pixels as context for the next tile.
    """
    same = out is image
    if not same and isinstance(out, np.ndarray) and isinstance(image, np.ndarray):
        same = np.may_share_memory(out, image)
    if isinstance(out, np.ndarray) and not out.flags.writeable:
        raise OutputError("the output array is read-only (writeable=False); give a writable "
                          "array, e.g. np.empty(image.shape, 'float32')")
    if same:
        raise OutputError("the output array is (or overlaps) the input image; denoising in "
                          "place would overwrite the original data; give a separate output "
                          "array, e.g. np.empty(image.shape, 'float32')")
