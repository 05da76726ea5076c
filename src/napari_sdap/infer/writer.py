"""Writing tile results behind the computation, on one or more threads.

Tiles of one image often touch disjoint parts of the output, and then their writes can run at
the same time. Where two writes touch one stored chunk (or one zarr shard) they must not: each
reads the chunk, changes its part and stores it back, and one would undo the other. So a write
waits for the earlier writes that share a chunk with it. Outputs without chunks are treated by
kind: a numpy array (or memory map) takes concurrent writes to disjoint regions; anything else
is written one tile after the other, as by a single writer.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["TileWriter", "chunk_keys"]

_MAX_KEYS = 65536
"""More chunks than this in one write: it is treated as touching everything (no set is built)."""


def _grid(out: Any) -> tuple[int, ...] | None:
    """The shape of the output's unit of storage: shards, else chunks; None when unknown."""
    for name in ("shards", "chunks"):
        grid = getattr(out, name, None)
        if isinstance(grid, tuple) and grid and all(isinstance(c, int) and c > 0 for c in grid):
            return grid
    return None


def _cells(index: Any, chunk: int, length: int) -> range:
    if isinstance(index, slice):
        start, stop, _ = index.indices(length)
        return range(start // chunk, (max(stop, start + 1) - 1) // chunk + 1)
    return range(int(index) // chunk, int(index) // chunk + 1)


def chunk_keys(out: Any, indices: Sequence[tuple[Any, ...]]) -> frozenset[tuple[int, ...]] | None:
    """The stored chunks that writing `out[index]` for each of `indices` touches: an empty set
    for a numpy array (no write conflicts with another), None when not known (conflicts with
    every write)."""
    if isinstance(out, np.ndarray):
        return frozenset()
    grid = _grid(out)
    if grid is None or len(grid) != len(out.shape):
        return None
    keys: set[tuple[int, ...]] = set()
    for index in indices:
        axes = [_cells(i, c, n) for i, c, n in zip(index, grid, out.shape, strict=True)]
        if len(keys) + int(np.prod([len(a) for a in axes])) > _MAX_KEYS:
            return None
        keys.update(itertools.product(*axes))
    return frozenset(keys)


class TileWriter:
    """Runs writes on `workers` threads, at most `workers` at a time, each after the earlier
    writes it shares a stored chunk with (`chunk_keys`). `drain` waits for all and raises the
    first error; `close` waits without raising (after an error or a stop)."""

    def __init__(self, out: Any, workers: int = 1) -> None:
        self.out, self.workers = out, max(int(workers), 1)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="sdap-write")
        self._inflight: deque[tuple[frozenset[tuple[int, ...]] | None, Future[None]]] = deque()

    def submit(self, write: Callable[[], None], indices: Sequence[tuple[Any, ...]]) -> None:
        """Queue `write`, which writes `out[index]` for each of `indices`; blocks while
        `workers` writes are in flight (so finished results do not pile up in memory)."""
        while len(self._inflight) >= self.workers:
            self._inflight.popleft()[1].result()
        keys = chunk_keys(self.out, indices)
        before = [f for k, f in self._inflight if keys is None or k is None or k & keys]
        self._inflight.append((keys, self._pool.submit(_after, before, write)))

    def drain(self) -> None:
        """Wait for every queued write; raise the first error."""
        while self._inflight:
            self._inflight.popleft()[1].result()

    def close(self) -> None:
        """Wait for the writes in flight and stop the threads."""
        self._inflight.clear()
        self._pool.shutdown(wait=True)


def _after(before: list[Future[None]], write: Callable[[], None]) -> None:
    # Earlier writes were queued first, so they already run or are done: no deadlock.
    for f in before:
        f.result()
    write()
