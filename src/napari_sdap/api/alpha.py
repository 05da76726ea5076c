"""RGBA images: the colour channels are denoised jointly, the alpha channel passes through.

Alpha is a mask (transparency), not a measurement with noise: denoising it as a fourth colour
channel would blur or shift the mask. With ``channel_mode="auto"``, an image whose last axis is a
channel axis of size 4 (``YXC``, ``ZYXC``, ...) is treated as RGBA: training uses only the three
colour channels (a 3-channel model) and denoising copies alpha unchanged into the output.
``channel_mode="joint"`` still denoises all four channels together, ``"independent"`` each alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from napari_sdap.axes import default_axes, validate_axes

__all__ = ["ColourChannels", "copy_alpha", "rgba_axes", "warn_noisy_alpha", "without_alpha"]

log = logging.getLogger(__name__)

NOISY_ALPHA = 0.3
"""Share of pixels that are a peak or a dip along X (above or below both neighbours) from which
the alpha channel looks measured (noise: about 2/3), not a mask (flat, edges, gradients: ~0)."""


def rgba_axes(shape: Sequence[int], axes: str | None, channel_mode: str) -> str | None:
    """The resolved axes when an image of `shape` counts as RGBA, else None."""
    if channel_mode != "auto" or len(shape) < 3 or shape[-1] != 4 or 0 in tuple(shape):
        return None
    resolved = default_axes(shape) if axes is None else validate_axes(axes, shape)
    return resolved if resolved.endswith("C") else None


class ColourChannels:
    """A lazy view of channels 0..2 of an array whose last axis is RGBA (read and write).

    Numpy arrays are simply sliced; this wrapper serves dask, zarr and other array-likes, whose
    ``[..., :3]`` would load or copy the whole array.
    """

    def __init__(self, array: Any) -> None:
        self.base = array
        self.shape = (*tuple(array.shape)[:-1], 3)
        self.dtype = array.dtype
        self.ndim = len(self.shape)

    def _index(self, idx: Any) -> tuple[Any, ...]:
        idx = idx if isinstance(idx, tuple) else (idx,)
        if Ellipsis in idx or len(idx) > self.ndim:
            raise IndexError("ColourChannels takes one plain index per axis")
        idx = (*idx, *[slice(None)] * (self.ndim - len(idx)))
        last = idx[-1]
        if isinstance(last, slice):
            last = slice(*last.indices(3))
        else:
            last = range(3)[int(last)]  # IndexError outside 0..2, negatives count from 2
        return (*idx[:-1], last)

    def __getitem__(self, idx: Any) -> Any:
        return self.base[self._index(idx)]

    def __setitem__(self, idx: Any, value: Any) -> None:
        self.base[self._index(idx)] = value

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.base[..., :3], dtype=dtype)


def without_alpha(array: Any) -> Any:
    """Channels 0..2 of an RGBA array, without copying or loading it."""
    return array[..., :3] if isinstance(array, np.ndarray) else ColourChannels(array)


def copy_alpha(image: Any, out: Any, axes: str) -> None:
    """Copy the alpha channel (last axis, index 3) of `image` into `out`, plane by plane."""
    shape = tuple(image.shape)
    loop = [i for i, a in enumerate(axes[:-1]) if a not in "YX"]
    for pos in np.ndindex(*[shape[i] for i in loop]):
        idx: list[Any] = [slice(None)] * (len(shape) - 1) + [3]
        for i, p in zip(loop, pos, strict=True):
            idx[i] = p
        out[tuple(idx)] = np.asarray(image[tuple(idx)])


def warn_noisy_alpha(image: Any, axes: str) -> None:
    """Log a warning when the alpha channel (last axis, index 3) of an RGBA `image` (resolved
    `axes`) varies from pixel to pixel like a measured channel: it is copied unchanged, never
    denoised, which silently leaves the noise of a fourth fluorescence channel (YXC) in place."""
    idx = tuple(slice(0, 256) if a in "YX" else 3 if a == "C" else 0 for a in axes)
    plane = np.asarray(image[idx], dtype=np.float64)
    if plane.ndim != 2 or plane.shape[1] < 3:
        return
    mid, left, right = plane[:, 1:-1], plane[:, :-2], plane[:, 2:]
    peaks = float(np.mean(((mid > left) & (mid > right)) | ((mid < left) & (mid < right))))
    if peaks >= NOISY_ALPHA:
        log.warning(
            "the last axis of the %s image has 4 channels, so the 4th is taken as alpha "
            "(transparency) and copied unchanged, not denoised; but it varies from pixel to pixel "
            "like a measured channel (%.0f %% of its pixels are peaks or dips): if it is a fourth "
            "channel, train with channel_mode='independent' (CLI: --channel-mode independent)",
            axes, 100 * peaks)
