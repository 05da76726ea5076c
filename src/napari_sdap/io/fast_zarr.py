"""Reading and writing zarr arrays in local folders through TensorStore.

zarr-python spends most of a tile's reading time in its own Python code around each chunk, not
in decoding it (`benchmarks/zarr_read.py`), and its threads share one interpreter lock.
TensorStore, a C++ library for chunked arrays, reads and writes the same files on its own
threads. `fast_array(a)` returns a `StoreArray` over the files of the zarr array `a`, and `a`
itself where that cannot be done: TensorStore is not installed, the array does not live in a
local folder (memory, zip file, remote store), TensorStore cannot open it, or the environment
variable ``NAPARI_SDAP_ZARR_IO=zarr`` asks for zarr-python. An array opened read-only is never
written through TensorStore.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any

import numpy as np

from napari_sdap.io.axes_view import AxesView
from napari_sdap.io.plane_range import PlaneRange

__all__ = ["CONTEXT", "ENV", "StoreArray", "fast_array"]

log = logging.getLogger(__name__)

ENV = "NAPARI_SDAP_ZARR_IO"
"""Environment variable: ``zarr`` reads and writes through zarr-python only."""

_lock = threading.Lock()
_context: Any = None


CONTEXT = {"cache_pool": {"total_bytes_limit": 0}, "file_io_sync": False}
"""TensorStore's settings: no chunk cache (each window is read once), and no `fsync` after each
chunk written (TensorStore's default syncs). zarr-python does not sync either, and an output is
made complete only by the rename of its finished folder (`io.outputs`), so a writer thread
waiting for the disk after every chunk bought no safety (`benchmarks/zarr_read.py` times both)."""


def _ts_context(ts: Any) -> Any:
    """One TensorStore context for all arrays (shared thread pools; see `CONTEXT`)."""
    global _context
    with _lock:
        if _context is None:
            _context = ts.Context(CONTEXT)
        return _context


def _local_path(array: Any) -> str | None:
    """Folder of a zarr-python array stored in a local folder, else None."""
    try:
        from zarr.storage import LocalStore
    except ImportError:  # pragma: no cover - zarr is a dependency
        return None
    store = getattr(array, "store", None)
    if not isinstance(store, LocalStore):
        return None
    return os.path.join(str(store.root), str(getattr(array, "path", "") or ""))


def _same(a: Any, b: Any) -> bool:
    """Equal dtypes up to byte order (TensorStore hands out native byte order)."""
    return np.dtype(a).newbyteorder("=") == np.dtype(b).newbyteorder("=")


def _as_os_error(err: ValueError) -> Exception:
    """TensorStore's `ValueError` for a write the operating system refused (disk full, no
    permission) as the `OSError` it stands for, so that the output's error names the cause and
    the fix (`io.outputs`); any other error unchanged."""
    code = re.search(r"os_error_code='?(\d+)", str(err))
    if code is None:
        return err
    number = int(code.group(1))
    return OSError(number, os.strerror(number))


def fast_array(array: Any, write: bool = False) -> Any:
    """A `StoreArray` over `array`'s files, or `array` itself (see the module's text).
    Without `write` TensorStore opens the array for reading only, and writes through the
    `StoreArray` go to zarr-python."""
    if isinstance(array, StoreArray) or os.environ.get(ENV, "").lower() == "zarr":
        return array
    if isinstance(array, AxesView):  # an OME-Zarr output stored in another axis order
        return AxesView(fast_array(array.base, write), array.stored, array.seen)
    if isinstance(array, PlaneRange):  # a piece of a file split over a cluster
        return PlaneRange(fast_array(array.base, write), array.axis, array.lo, array.hi,
                          array.keep)
    path = _local_path(array)
    if path is None or (write and getattr(array, "read_only", False)):
        return array  # (zarr-python refuses writes to an array opened read-only)
    try:
        import tensorstore as ts
    except ImportError:
        return array
    fmt = getattr(getattr(array, "metadata", None), "zarr_format", 3)
    spec = {"driver": "zarr3" if fmt == 3 else "zarr",
            "kvstore": {"driver": "file", "path": path}}
    try:
        store = ts.open(spec, open=True, read=True, write=write,
                        context=_ts_context(ts)).result()
    except Exception as err:  # any format TensorStore does not read: stay with zarr-python
        log.debug("TensorStore cannot open %s (%s); using zarr-python", path, err)
        return array
    if tuple(store.shape) != tuple(array.shape) or not _same(store.dtype.numpy_dtype,
                                                              array.dtype):
        log.debug("TensorStore reads %s as %s %s; using zarr-python", path, store.shape,
                  store.dtype)
        return array
    return StoreArray(array, store, write)


def _key(key: Any, shape: tuple[int, ...]) -> tuple[tuple[Any, ...], tuple[int, ...]] | None:
    """Numpy-style basic index -> (bounded index, result shape); None for anything else."""
    key = key if isinstance(key, tuple) else (key,)
    if len(key) > len(shape) or any(k is Ellipsis for k in key):
        return None
    key = key + (slice(None),) * (len(shape) - len(key))
    out: list[Any] = []
    dims: list[int] = []
    for k, n in zip(key, shape, strict=True):
        if isinstance(k, slice):
            start, stop, step = k.indices(n)
            if step != 1:
                return None
            out.append(slice(start, max(stop, start)))
            dims.append(max(stop - start, 0))
        elif isinstance(k, (int, np.integer)) and not isinstance(k, bool) and -n <= k < n:
            out.append(int(k) % n)
        else:
            return None
    return tuple(out), tuple(dims)


class StoreArray:
    """The zarr array `zarr_array`, read (and, when `write`, written) through the TensorStore
    `store` for basic indexing (integers and slices of step 1); any other index goes to
    zarr-python. Results are numpy arrays, in native byte order."""

    def __init__(self, zarr_array: Any, store: Any, write: bool = False) -> None:
        self.zarr_array, self._store, self.writable = zarr_array, store, write
        self.shape = tuple(int(s) for s in zarr_array.shape)
        self.dtype = np.dtype(zarr_array.dtype).newbyteorder("=")
        self.ndim = len(self.shape)
        self.chunks = tuple(zarr_array.chunks)
        self.shards = getattr(zarr_array, "shards", None)

    def __getitem__(self, key: Any) -> np.ndarray:
        bounded = _key(key, self.shape)
        if bounded is None:
            return np.asarray(self.zarr_array[key])
        index, dims = bounded
        if 0 in dims:
            return np.zeros(dims, self.dtype)
        return np.asarray(self._store[index].read().result())

    def __setitem__(self, key: Any, value: Any) -> None:
        bounded = None if not self.writable else _key(key, self.shape)
        if bounded is None:
            self.zarr_array[key] = value
            return
        index, dims = bounded
        if 0 in dims:
            return
        data = np.broadcast_to(np.asarray(value).astype(self.dtype, copy=False), dims)
        try:
            self._store[index].write(data).result()
        except ValueError as err:  # TensorStore's error for a failed write names the OS error
            raise _as_os_error(err) from err

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        data = self[...] if self.ndim == 0 else self[tuple(slice(None) for _ in self.shape)]
        return data if dtype is None else data.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"StoreArray({self.zarr_array!r})"
