"""An array stored with its axes in another order, seen in the image's own order.

OME-Zarr holds axes in the order TCZYX only, while ImageJ hyperstacks are TZCYX and colour
images YXC. An output in OME-Zarr is stored in OME order and written through an `AxesView`,
so the tiles, which come in the image's order, land where they belong without a copy of the
image. Basic indexing only (integers, slices, Ellipsis): what tiles and `dask.array.store` use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["AxesView", "basic_key", "ome_order"]


def ome_order(axes: str, order: str) -> str | None:
    """`axes` sorted into `order`, or None where a letter of `axes` is not in `order`."""
    if any(a not in order for a in axes):
        return None
    return "".join(sorted(axes, key=order.index))


def basic_key(key: Any, ndim: int, owner: str) -> tuple[Any, ...]:
    """`key` as one integer or slice per axis of an `ndim`-D array (an Ellipsis expanded, the
    last axes filled in); anything else is a `TypeError` naming `owner`."""
    key = key if isinstance(key, tuple) else (key,)
    if any(k is Ellipsis for k in key):
        at = next(i for i, k in enumerate(key) if k is Ellipsis)
        key = key[:at] + (slice(None),) * (ndim - len(key) + 1) + key[at + 1:]
    key = key + (slice(None),) * (ndim - len(key))
    if len(key) != ndim or not all(isinstance(k, slice | int | np.integer) for k in key):
        raise TypeError(f"{owner} takes integers and slices, one per axis, not {key!r}")
    return key


class AxesView:
    """`base`, whose axes are `stored`, indexed as if its axes were `seen` (same letters)."""

    def __init__(self, base: Any, stored: str, seen: str) -> None:
        if sorted(stored) != sorted(seen) or len(set(seen)) != len(seen):
            raise ValueError(f"axes {seen!r} are not a reordering of {stored!r}")
        self.base, self.stored, self.seen = base, stored, seen
        self._to_stored = [seen.index(a) for a in stored]  # stored axis j <- seen axis
        self.shape = tuple(int(base.shape[stored.index(a)]) for a in seen)
        self.dtype = np.dtype(base.dtype)
        self.ndim = len(seen)

    @property
    def chunks(self) -> tuple[int, ...] | None:
        """The stored array's chunk shape, in the seen order (None where it has none)."""
        chunks = getattr(self.base, "chunks", None)
        if chunks is None or len(chunks) != self.ndim:
            return None
        return tuple(chunks[self.stored.index(a)] for a in self.seen)

    def __repr__(self) -> str:
        return f"AxesView({self.seen} over {self.stored}, shape={self.shape})"

    def _keys(self, key: Any) -> tuple[tuple[Any, ...], tuple[Any, ...], list[int], list[int]]:
        """(key, key in stored order, seen axes kept, the same axes in stored order)."""
        key = basic_key(key, self.ndim, "AxesView")
        stored_key = tuple(key[i] for i in self._to_stored)
        kept_seen = [i for i, k in enumerate(key) if isinstance(k, slice)]
        kept_stored = [i for i in self._to_stored if isinstance(key[i], slice)]
        return key, stored_key, kept_seen, kept_stored

    def __getitem__(self, key: Any) -> np.ndarray:
        _, stored_key, kept_seen, kept_stored = self._keys(key)
        data = np.asarray(self.base[stored_key])
        return data.transpose([kept_stored.index(i) for i in kept_seen])

    def __setitem__(self, key: Any, value: Any) -> None:
        key, stored_key, kept_seen, kept_stored = self._keys(key)
        shape = tuple(len(range(*key[i].indices(self.shape[i]))) for i in kept_seen)
        value = np.broadcast_to(np.asarray(value, dtype=self.dtype), shape)
        self.base[stored_key] = value.transpose([kept_seen.index(i) for i in kept_stored])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = self[...]
        return data if dtype is None else data.astype(dtype)
