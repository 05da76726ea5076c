"""Axes strings (`YX`, `YXC`, `CYX`, `TZYX`, `TCZYX`, ...) and the plane view the engine works on.

The engine sees any image as a list of 2-D *planes* of shape (C, Y, X): every axis other than
Y, X (and C when channels are denoised jointly) is looped over. `PlaneView` maps a plane number
to an index into the original array, so numpy, dask and zarr arrays are read one region at a time
and never materialised as a whole.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from napari_sdap.errors import AxesError, InputError, SdapError

__all__ = ["AXES_LETTERS", "PlaneView", "axes_from_names", "default_axes", "exact_float",
           "is_joint", "plane_view", "validate_axes"]

AXES_LETTERS = "STCZYX"
"""S: samples, T: time, C: channel, Z: depth, Y and X: the image plane."""


def exact_float(dtype: Any) -> np.dtype:
    """float32 where it holds every value of `dtype` exactly (8- and 16-bit integers, float16,
    float32, bool), else float64: float32 keeps 24 bits, so 32- and 64-bit integers and float64
    with a large offset (uint32 counts near 4e9, int64 near 2**40) would collapse to a few grey
    levels before the normalisation takes the offset off."""
    dtype = np.dtype(dtype)
    wide = (dtype.kind in "ui" and dtype.itemsize >= 4) or (dtype.kind == "f"
                                                           and dtype.itemsize > 4)
    return np.dtype(np.float64 if wide else np.float32)


def validate_axes(axes: str, shape: Sequence[int]) -> str:
    """Return the upper-cased `axes` after checking it against `shape`, else raise `AxesError`."""
    if not isinstance(axes, str):
        raise AxesError(f"axes must be a string such as 'YX' or 'TCZYX' (got {axes!r})")
    axes = axes.upper()
    bad = sorted(set(axes) - set(AXES_LETTERS))
    if bad:
        raise AxesError(
            f"axes {axes!r} has unknown letters {bad}; use only {', '.join(AXES_LETTERS)}"
        )
    repeated = sorted({a for a in axes if axes.count(a) > 1})
    if repeated:
        raise AxesError(f"axes {axes!r} repeats {repeated}; name each axis once")
    if len(axes) != len(shape):
        raise AxesError(
            f"axes {axes!r} has {len(axes)} letters but the image has {len(shape)} dimensions "
            f"(shape {tuple(shape)}); give one letter per dimension"
        )
    if "Y" not in axes or "X" not in axes:
        raise AxesError(f"axes {axes!r} must contain both Y and X (the image plane)")
    return axes


_NAMED = {"t": "T", "time": "T", "c": "C", "ch": "C", "channel": "C", "channels": "C",
          "z": "Z", "depth": "Z", "y": "Y", "x": "X", "s": "S", "sample": "S"}
"""Axis names of zarr `dimension_names`, xarray `dims` and NGFF axes, to our letters."""


def axes_from_names(names: Any) -> str | None:
    """Our axes letters for named dimensions (`['t', 'y', 'x']` -> `TYX`), or None where a
    name is not an axis we know or a letter repeats."""
    try:
        letters = [_NAMED.get(str(n).strip().lower()) for n in names]
    except TypeError:
        return None
    if not letters or None in letters or len(set(letters)) != len(letters):
        return None
    return "".join(letters)  # type: ignore[arg-type]


def default_axes(shape: Sequence[int]) -> str:
    """Guess axes for 2-D and 3-D arrays; 4-D and more must be named by the user."""
    ndim = len(shape)
    if ndim == 2:
        return "YX"
    if ndim == 3:
        return "YXC" if shape[-1] in (3, 4) else "ZYX"
    raise AxesError(
        f"cannot guess the axes of a {ndim}-D image (shape {tuple(shape)}); "
        f"pass axes=, e.g. {'TZYX' if ndim == 4 else 'TCZYX'[-ndim:] if ndim <= 5 else 'STCZYX'}"
    )


def channels_hint(axes: str, shape: Sequence[int]) -> str:
    """A hint for a plane too narrow to use whose narrow side may be channels read as X: a 3-D
    array (H, W, 1) or (H, W, 2) is guessed Z, Y, X (`default_axes`), making planes 1 or 2
    pixels wide; '' otherwise."""
    if axes != "ZYX" or len(shape) != 3 or shape[-1] > 4:
        return ""
    return (f"; if the image's last axis (of {shape[-1]}) holds channels, give axes='YXC' (a "
            f"3-D array is read as ZYX unless its last axis has 3 or 4 entries)")


def is_joint(axes: str, shape: Sequence[int], channel_mode: str) -> bool:
    """Whether the channels of this image go through the network together."""
    if "C" not in axes:
        return False
    if channel_mode == "joint":
        return True
    if channel_mode == "independent":
        return False
    return axes[-1] == "C" and shape[-1] in (3, 4)


@dataclass(frozen=True)
class PlaneView:
    """Plane-by-plane access to an image of any supported axes."""

    shape: tuple[int, ...]
    axes: str
    joint: bool
    loop_axes: tuple[int, ...]
    """Positions of the looped axes, in array order (C included when not joint)."""
    channel_pos: int | None

    @property
    def height(self) -> int:
        return self.shape[self.axes.index("Y")]

    @property
    def width(self) -> int:
        return self.shape[self.axes.index("X")]

    @property
    def channels(self) -> int:
        """Channels per plane (as seen by the network)."""
        return self.shape[self.channel_pos] if self.joint and self.channel_pos is not None else 1

    @property
    def n_channel_groups(self) -> int:
        """Independent channels, each with its own normalisation (1 when joint or no C)."""
        if self.channel_pos is None or self.joint:
            return 1
        return self.shape[self.channel_pos]

    @property
    def n_planes(self) -> int:
        return math.prod(self.shape[i] for i in self.loop_axes)

    def plane_position(self, n: int) -> dict[int, int]:
        """Array position -> index of plane `n` along the looped axes."""
        sizes = [self.shape[i] for i in self.loop_axes]
        return dict(zip(self.loop_axes, np.unravel_index(n, sizes) if sizes else (), strict=True))

    def channel_group(self, n: int) -> int:
        """Which normalisation group plane `n` belongs to."""
        if self.n_channel_groups == 1:
            return 0
        return int(self.plane_position(n)[self.channel_pos])  # type: ignore[index]

    def index(self, n: int, ys: slice = slice(None), xs: slice = slice(None)) -> tuple[Any, ...]:
        """Index tuple selecting region (ys, xs) of plane `n` in the original array."""
        pos = self.plane_position(n)
        idx: list[Any] = []
        for i, a in enumerate(self.axes):
            if i in pos:
                idx.append(int(pos[i]))
            elif a == "Y":
                idx.append(ys)
            elif a == "X":
                idx.append(xs)
            else:  # joint channel axis
                idx.append(slice(None))
        return tuple(idx)

    def _order(self) -> list[str]:
        """Axes letters left after indexing one plane, in array order."""
        return [a for i, a in enumerate(self.axes) if i not in self.loop_axes]

    def read(self, array: Any, n: int, ys: slice = slice(None), xs: slice = slice(None),
             dtype: Any = "exact") -> np.ndarray:
        """Read region (ys, xs) of plane `n` as a contiguous (C, h, w) numpy array of `dtype`
        (None: the array's own dtype; `exact`: float32, or float64 for a stored dtype float32
        does not hold exactly, `exact_float`).

        A failure of the array's own reading (decoder errors of a damaged file, which lazy
        arrays only meet here) becomes an `InputError` naming the plane and the position.
        """
        try:
            block = np.asarray(array[self.index(n, ys, xs)])
        except (SdapError, MemoryError):
            raise
        except Exception as err:
            why = ("its file is gone (moved or deleted since it was opened): put it back or "
                   "open the image again" if isinstance(err, FileNotFoundError) else
                   "the file is probably truncated or corrupted: copy or export it again")
            raise InputError(
                f"could not read plane {n} of the image near y={ys.start or 0}, "
                f"x={xs.start or 0} ({type(err).__name__}: {err}); {why}"
            ) from err
        order = self._order()
        if "C" not in order:
            block = block[None]
            order = ["C", *order]
        perm = [order.index(a) for a in ("C", "Y", "X")]
        if isinstance(dtype, str) and dtype == "exact":
            dtype = exact_float(block.dtype)
        return np.ascontiguousarray(np.transpose(block, perm), dtype=dtype)

    def write(self, array: Any, n: int, data: np.ndarray, ys: slice = slice(None),
              xs: slice = slice(None)) -> None:
        """Write a (C, h, w) block into region (ys, xs) of plane `n` of `array`."""
        order = self._order()
        if "C" not in order:
            data = data[0]
            src = ["Y", "X"]
        else:
            src = ["C", "Y", "X"]
        perm = [src.index(a) for a in order]
        array[self.index(n, ys, xs)] = np.transpose(data, perm)


def plane_view(shape: Sequence[int], axes: str | None, channel_mode: str = "auto") -> PlaneView:
    """Validate `axes` (or guess it) and build the plane view of an array of `shape`."""
    shape = tuple(int(s) for s in shape)
    axes = default_axes(shape) if axes is None else validate_axes(axes, shape)
    joint = is_joint(axes, shape, channel_mode)
    cpos = axes.index("C") if "C" in axes else None
    loop = tuple(i for i, a in enumerate(axes) if a not in "YX" and not (a == "C" and joint))
    return PlaneView(shape=shape, axes=axes, joint=joint, loop_axes=loop, channel_pos=cpos)
