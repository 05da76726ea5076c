"""A range of planes of a larger array, read and written in place.

A file split over a cluster is denoised piece by piece (`cli.pieces.denoise_range`): each piece
is planes `lo:hi` along one outer axis of the input, and its result goes to the same planes of
a shared scratch array. A `PlaneRange` lets the engine read the piece tile by tile from the
file and write each tile straight into the scratch array, so a piece is never held in memory
whole. Writes outside `keep` (the planes read only as neighbours of a 3-D model's planes) are
dropped. Basic indexing only (integers, slices, Ellipsis), as tiles use it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from napari_sdap.io.axes_view import basic_key

__all__ = ["PlaneRange"]


class PlaneRange:
    """Planes `lo:hi` along `axis` of `base`, seen as an array of their own.

    `keep` (absolute plane numbers, within `lo:hi`; default all of them): the planes a write
    may change; the rest of a write is dropped."""

    def __init__(self, base: Any, axis: int, lo: int, hi: int,
                 keep: tuple[int, int] | None = None) -> None:
        shape = tuple(int(n) for n in base.shape)
        if not 0 <= axis < len(shape) or not 0 <= lo < hi <= shape[axis]:
            raise ValueError(f"planes {lo}:{hi} along axis {axis} are not in shape {shape}")
        k_lo, k_hi = keep if keep is not None else (lo, hi)
        if not lo <= k_lo <= k_hi <= hi:
            raise ValueError(f"kept planes {k_lo}:{k_hi} are not within {lo}:{hi}")
        self.base, self.axis, self.lo, self.hi = base, axis, lo, hi
        self.keep = (k_lo, k_hi)
        self.shape = tuple(hi - lo if i == axis else n for i, n in enumerate(shape))
        self.dtype = np.dtype(base.dtype)
        self.ndim = len(shape)

    def __repr__(self) -> str:
        return (f"PlaneRange(planes {self.lo}:{self.hi} along axis {self.axis}, "
                f"shape={self.shape})")

    def _key(self, key: Any) -> tuple[Any, ...]:
        return basic_key(key, self.ndim, "PlaneRange")

    def _planes(self, k: Any) -> range:
        """The absolute planes selected by `k` along the range's axis."""
        n = self.hi - self.lo
        if isinstance(k, slice):
            start, stop = _bounds(k, n)
            return range(self.lo + start, self.lo + stop)
        i = int(k) + n if int(k) < 0 else int(k)
        if not 0 <= i < n:
            raise IndexError(f"plane {k} is outside a range of {n} planes")
        return range(self.lo + i, self.lo + i + 1)

    def __getitem__(self, key: Any) -> np.ndarray:
        key = self._key(key)
        k = key[self.axis]
        planes = self._planes(k)
        inner = int(planes.start) if not isinstance(k, slice) else slice(
            planes.start, planes.stop)
        return np.asarray(self.base[(*key[:self.axis], inner, *key[self.axis + 1:])])

    def __setitem__(self, key: Any, value: Any) -> None:
        key = self._key(key)
        k = key[self.axis]
        planes = self._planes(k)
        start, stop = max(planes.start, self.keep[0]), min(planes.stop, self.keep[1])
        if start >= stop:
            return  # only neighbouring planes: nothing kept
        kept = [i for i, x in enumerate(key) if isinstance(x, slice)]
        shape = tuple(len(range(*key[i].indices(self.shape[i]))) for i in kept)
        value = np.broadcast_to(np.asarray(value, dtype=self.dtype), shape)
        if isinstance(k, slice):
            at = kept.index(self.axis)
            cut = [slice(None)] * len(shape)
            cut[at] = slice(start - planes.start, stop - planes.start)
            value = value[tuple(cut)]
            inner: Any = slice(start, stop)
        else:
            inner = start
        self.base[(*key[:self.axis], inner, *key[self.axis + 1:])] = value

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = self[...]
        return data if dtype is None else data.astype(dtype)


def _bounds(k: slice, n: int) -> tuple[int, int]:
    """(start, stop) of a slice over `n` planes; steps other than 1 are refused."""
    start, stop, step = k.indices(n)
    if step != 1:
        raise TypeError(f"PlaneRange takes slices with step 1 along its axis, not {k!r}")
    return start, max(start, stop)
