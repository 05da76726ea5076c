"""Windows of a dask or zarr array whose chunks are much larger than a window, each made once.

Reading a window of a dask array computes every chunk the window touches, whole, and keeps
none. Where a chunk holds a whole plane or more (a reader's lazy planes, `map_blocks` over
planes or a stack, `from_delayed`), streamed denoising computed it again for each window it
holds (a 16 x 512² chunk: 69 times, 14.8 s against 8.9 s in memory, 9.6 s now; a 2048² plane
65 times; a block function of 1 s per chunk cost a minute per plane).
`chunk_cached` reads such an array through `ChunkCache`, which keeps the chunks read last, up
to `BUDGET` bytes, so that the tiles, which go along a plane's rows, find them again; training
patches, read at random places, use it where the whole array fits (`whole_cached`; small
chunks where they are few). Pixels are the same; arrays of small chunks otherwise (or chunks
too large for the budget) are read as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future
from typing import Any

import numpy as np

__all__ = ["BUDGET", "ChunkCache", "chunk_cached", "whole_cached"]

BUDGET = 2**27
"""Bytes of computed chunks kept (128 MiB; in use at once: at most this plus the chunks the
reader threads are computing). Chunks above half of it (dask's default chunks of 128 MiB
among them) are read as before, window by window."""
_LARGER = 2
"""Chunks are cached when the largest holds more than this many times a window's pixels (a
window of smaller chunks reads several, each about once)."""
_FEW_CHUNKS = 256
"""Small chunks are cached for training (`whole_cached`) in arrays of at most this many: each
is computed on its own (dask's cost of one grows with the array's graph: a 2 x 1024² array of
8192 chunks of 16² took 95 s through the cache against 10 s read window by window)."""


def _grid(array: Any) -> tuple[tuple[int, ...], ...] | None:
    """The chunk sizes along each axis of a dask or zarr-python array; None for another kind
    (numpy, memory maps, TensorStore's `StoreArray`, which read only a window's pixels)."""
    module, chunks = type(array).__module__, getattr(array, "chunks", None)
    if not isinstance(chunks, tuple) or not chunks:
        return None
    if module.startswith("dask"):
        return chunks
    if module.startswith("zarr"):  # `blocks` are shards where the array has them (zarr v3)
        chunks = getattr(array, "shards", None) or chunks
        if not (isinstance(chunks, tuple) and all(isinstance(c, int) and c > 0 for c in chunks)):
            return None
        return tuple(tuple([c] * (n // c) + ([n % c] if n % c else []))
                     for c, n in zip(chunks, array.shape, strict=True))
    return None


def chunk_cached(array: Any, window: int, small: bool = False) -> Any:
    """`array` read through a `ChunkCache` when it is a dask or zarr-python array, or an xarray
    DataArray of one (a TIFF opened through tifffile's zarr store is a zarr array: a plane
    stored in one strip is one chunk) whose largest chunk holds more than `_LARGER` times the
    values of a `window` x `window` region (any, with `small`) and at most half the budget's
    bytes; else `array` itself."""
    base = array
    if type(array).__module__.startswith("xarray"):  # a DataArray: its dask data
        if getattr(array, "chunks", None) is None:  # (not over dask: `data` would read all of
            return array  # a lazily opened array, `open_zarr(chunks=None)`, into memory)
        data = getattr(array, "data", None)
        base = data if tuple(getattr(data, "shape", ())) == tuple(array.shape) else array
    grid = _grid(base)
    if grid is None or any(not c for c in grid):
        return array
    try:
        largest = [max(c) for c in grid]
    except (TypeError, ValueError):  # unknown (NaN) sizes are refused before
        return array
    values = int(np.prod(largest, dtype=np.float64))
    if ((values <= _LARGER * window * window and not small)
            or values * base.dtype.itemsize > BUDGET // 2):
        return array
    return ChunkCache(base, grid=grid)


def whole_cached(array: Any, window: int) -> Any:
    """For reads at random places (training patches): `chunk_cached` where the whole array fits
    the budget, so that each chunk is made once for the whole training (a 8 x 512² chunk
    was computed 167 times in 30 steps); small chunks too where they are at most
    `_FEW_CHUNKS` (a patch reads several, each read again by the next patches: a 4 x 96² stack
    in 32² chunks of a block function of 20 ms was computed 1009 times in a 6-step training,
    475 of them before its first step; 37 now). A larger array is read as before, its chunks
    would leave the cache before they are read again."""
    cached = chunk_cached(array, window)
    if cached is array:
        small = chunk_cached(array, window, small=True)
        if isinstance(small, ChunkCache) and np.prod([len(c) for c in small.grid]) <= _FEW_CHUNKS:
            cached = chunk_cached(_merged(array, window), window, small=True)
    if cached is array or int(array.nbytes) > BUDGET:
        return array
    return cached


def _merged(array: Any, window: int) -> Any:
    """A dask array (or an xarray DataArray over one) with its small chunks merged, along the
    last two axes, into runs of at least `window` pixels (on the chunks' own borders); else
    `array`. Each small chunk computed on its own recomputed what it shares with its
    neighbours: a plane rechunked into 16² pieces (`rechunk`, a reader's planes cut up) ran the
    plane's reading once per piece (192 times against 60 read window by window: the quality
    check 0.65 -> 10.7 s); merged, it runs 12 times, with the same pixels. (Whole planes would
    make the quality check compute all of a large plane for the few windows it reads.)"""
    data = array
    if type(array).__module__.startswith("xarray"):
        data = getattr(array, "data", None) if getattr(array, "chunks", None) is not None \
            else None
    if (data is None or not type(data).__module__.startswith("dask") or data.ndim < 2
            or tuple(data.shape) != tuple(array.shape)):
        return array
    return data.rechunk({d: _runs(data.chunks[d], window) for d in (data.ndim - 2, data.ndim - 1)})


def _runs(sizes: tuple[int, ...], edge: int) -> tuple[int, ...]:
    """`sizes` (chunk sizes along an axis) summed in consecutive runs of at least `edge`."""
    out, run = [], 0
    for size in sizes:
        run += size
        if run >= edge:
            out.append(run)
            run = 0
    return tuple([*out, run] if run else out)


class ChunkCache:
    """Numpy-indexable (integers and slices of step 1) view of a dask or zarr-python array
    (`grid`: its chunk sizes per axis, default its dask `chunks`) that computes each chunk
    once and keeps the last ones, up to `BUDGET` bytes; safe to read from several threads (a
    chunk asked for by two is computed by the first)."""

    def __init__(self, array: Any, budget: int = BUDGET,
                 grid: tuple[tuple[int, ...], ...] | None = None) -> None:
        self.array, self.budget = array, budget
        self.shape, self.ndim, self.dtype = tuple(array.shape), array.ndim, array.dtype
        self.grid = grid if grid is not None else array.chunks
        self._starts = [np.cumsum((0, *c)) for c in self.grid]
        self._kept: OrderedDict[tuple[int, ...], tuple[int, Future[np.ndarray]]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def _chunk(self, idx: tuple[int, ...]) -> np.ndarray:
        fut: Future[np.ndarray] = Future()
        with self._lock:
            held = self._kept.get(idx)
            if held is not None:
                self._kept.move_to_end(idx)
            else:
                size = int(np.prod([self.grid[d][i] for d, i in enumerate(idx)],
                                   dtype=np.float64)) * np.dtype(self.dtype).itemsize
                self._kept[idx] = (size, fut)
                self._bytes += size
        if held is not None:  # computed, or being computed by another reader thread
            return held[1].result()
        try:
            block = np.asarray(self.array.blocks[idx])
        except BaseException as err:
            with self._lock:
                self._drop(idx)
            fut.set_exception(err)
            raise
        with self._lock:
            fut.set_result(block)
            for old in [k for k, (_, f) in self._kept.items() if f.done() and k != idx]:
                if self._bytes <= self.budget:
                    break
                self._drop(old)
        return block

    def _drop(self, idx: tuple[int, ...]) -> None:
        held = self._kept.pop(idx, None)
        if held is not None:
            self._bytes -= held[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        key = key + (slice(None),) * (self.ndim - len(key))
        spans, keep = [], []
        for k, n in zip(key, self.shape, strict=True):
            if isinstance(k, slice):
                start, stop, step = k.indices(n)
                if step != 1:
                    return np.asarray(self.array[key])
                spans.append((start, max(stop, start)))
                keep.append(True)
            else:
                i = int(k) + n if int(k) < 0 else int(k)
                spans.append((i, i + 1))
                keep.append(False)
        out = np.empty([b - a for a, b in spans], self.dtype)
        ranges = [range(int(np.searchsorted(s, a, "right")) - 1,
                        int(np.searchsorted(s, b, "left")))
                  for (a, b), s in zip(spans, self._starts, strict=True)]
        if out.size:
            for idx in np.ndindex(*[len(r) for r in ranges]):
                cidx = tuple(r[i] for r, i in zip(ranges, idx, strict=True))
                block = self._chunk(cidx)
                src, dst = [], []
                for (a, b), s, c in zip(spans, self._starts, cidx, strict=True):
                    lo, hi = max(a, int(s[c])), min(b, int(s[c + 1]))
                    src.append(slice(lo - int(s[c]), hi - int(s[c])))
                    dst.append(slice(lo - a, hi - a))
                out[tuple(dst)] = block[tuple(src)]
        return out[tuple(slice(None) if k else 0 for k in keep)]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.array, dtype=dtype)
