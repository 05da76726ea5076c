"""Streamed, tiled inference: read ahead on threads, batch tiles, compute, write behind.

Tiles (see `tiling`) are read in their stored dtype and stacked on `read_workers` threads while
the device works on the current batch, which it normalises and de-normalises itself
(`raw_tiles`); results are copied back and written on `write_workers` threads
(`writer.TileWriter`: tiles sharing an output chunk are written one after the other, so they
never race). On a GPU the main loop only queues work: it goes on to the next batch while the
device computes, and a writer thread waits for the results it copies back. On CUDA, batches
go through pinned memory with non-blocking copies, bf16 autocast and channels-last;
`torch.compile` is optional. When the device runs out of memory the tile edge is halved and the
remaining tiles re-planned; the record yielded says so. Closing the generator stops between
batches and waits for in-flight writes, so the caller can abort its output cleanly.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_sdap.axes import PlaneView, exact_float
from napari_sdap.chunk_cache import chunk_cached
from napari_sdap.errors import DeviceError
from napari_sdap.infer.passes import run_flips
from napari_sdap.infer.planes import DenoiseStep
from napari_sdap.infer.raw_tiles import RawBatch, launch_batch, raw_batch, read_raw, to_host
from napari_sdap.infer.refine import Refine
from napari_sdap.infer.tiling import (
    Tile,
    alignment,
    batches,
    exact_halo,
    plan_tiles,
    split_tiles,
    tile_size,
)
from napari_sdap.infer.whiten import Whitening, extra_halo
from napari_sdap.infer.writer import TileWriter
from napari_sdap.model.device import use_bf16
from napari_sdap.model.memory import inference_bytes_per_pixel
from napari_sdap.model.normalize import Normalization
from napari_sdap.values import check_finite

__all__ = ["CPU_TILE", "Engine", "auto_tile", "cast_output", "iter_tiles", "read_window"]

log = logging.getLogger(__name__)

CPU_TILE = 256
"""Tile edge on CPU when none is given. Smaller windows keep the feature maps near the
processor's caches: on a 2-core EPYC (32 MB L3) the teacher (`sdap_e`) denoised 1.6-2.5x
faster in tiles of 256 than of 512, the student as fast or a little faster; 128 lost to the
halo (docs/benchmarks.md, "CPU tiles")."""
MPS_TILE = 512
"""Tile edge on Apple GPUs (MPS) when none is given (not measured against smaller tiles)."""
_MIN_TILE = 16


def auto_tile(device: torch.device, width: int, halo: int, batch: int) -> int:
    """Tile edge for `device`: fixed on CPU and MPS, from free memory on CUDA.

    The CUDA estimate budgets half of the free memory for `model.memory.LIVE_MAPS` feature
    maps of `width` channels per window pixel (bf16 where supported, else float32), shared by
    `batch` windows.
    Too optimistic an estimate costs one halving of the tile (see `iter_tiles`).
    """
    if device.type != "cuda":
        return MPS_TILE if device.type == "mps" else CPU_TILE
    free, _ = torch.cuda.mem_get_info(device.index if device.index is not None else None)
    per_pixel = inference_bytes_per_pixel(width, half=use_bf16(device))
    edge = math.isqrt(int(0.5 * free) // (per_pixel * max(batch, 1)))
    return int(min(max(edge - 2 * halo, 128), 4096)) // 64 * 64


def cast_output(y: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """float32 (float64 for a `dtype` float32 does not hold exactly) result -> `dtype`:
    integers are rounded half to even and clipped to the range; a narrower float (float16)
    is clipped to its finite range (+-65504), never overflowing to infinity."""
    dtype = np.dtype(dtype)
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        return np.clip(np.rint(y), info.min, info.max).astype(dtype)
    if dtype.kind == "f" and dtype.itemsize < y.dtype.itemsize:
        top = float(np.finfo(dtype).max)
        return np.clip(y, -top, top).astype(dtype)
    return y.astype(dtype, copy=False)


def read_window(array: Any, view: PlaneView, norm: Normalization, tile: Tile) -> np.ndarray:
    """The normalised float32 (C, h, w) window of `tile`; NaN/Inf raise `InputError`."""
    block = view.read(array, tile.plane, tile.wy, tile.wx)
    check_finite(block, f"plane {tile.plane} of the image near y={tile.ys.start}, "
                        f"x={tile.xs.start}")
    return norm.forward(block, view.channel_group(tile.plane)).astype(np.float32, copy=False)


class Engine:
    """The network on its device, applied to batches of windows, with the outlier repair and
    detail restore of `refine` around it when given; `flips` > 1 averages the network and the
    restore over that many flips and quarter turns of each window (`passes.run_flips`)."""

    def __init__(self, net: nn.Module, device: torch.device, mode: str, pd_stride: int,
                 compile: bool, refine: Refine | None = None, flips: int = 1,
                 whiten: Whitening | None = None) -> None:
        self.device, self.mode, self.pd, self.flips = device, mode, pd_stride, flips
        self.refine, self.whiten = refine, whiten
        self.bf16 = use_bf16(device)
        self.cuda = device.type == "cuda"
        net = net.to(device).eval()
        if self.cuda:
            net = net.to(memory_format=torch.channels_last)
        if compile and self.cuda:
            net = torch.compile(net, dynamic=False)  # one kernel set per tile shape
        self.net = net

    def prepare(self, windows: list[np.ndarray]) -> torch.Tensor:
        """Stack on the host (pinned on CUDA); runs on the reader threads."""
        x = torch.from_numpy(np.stack(windows))
        return x.pin_memory() if self.cuda else x

    def __call__(self, x: torch.Tensor, groups: list[int] | None = None) -> np.ndarray:
        """Outputs for a batch of windows of channel `groups` (None: network only)."""
        return self.run(x, groups)[1].float().cpu().numpy()

    @torch.no_grad()
    def run(self, x: torch.Tensor, groups: list[int] | None = None
            ) -> tuple[torch.Tensor, torch.Tensor]:
        """(network input after the outlier repair, output) on the device, for a batch of
        windows of channel `groups` (None: network only, no repair or restore)."""
        x = x.to(self.device, non_blocking=True)
        if self.whiten is not None:
            x = self.whiten.whiten(x)
        refine = self.refine if groups is not None else None
        if refine is not None:
            x = refine.before(x, groups)
        cudnn = torch.backends.cudnn
        before = cudnn.benchmark
        cudnn.benchmark = self.cuda  # autotune the few tile shapes
        after = None if refine is None else (lambda xk, y: refine.after(xk, y, groups))
        try:
            y = run_flips(self.net, x, self.mode, self.pd, self.bf16, self.flips, after)
        finally:
            cudnn.benchmark = before
        if self.whiten is not None:
            y = self.whiten.colour(y)
        return x, y


def _is_oom(err: BaseException) -> bool:
    text = str(err).lower()
    return (isinstance(err, torch.OutOfMemoryError) or "out of memory" in text
            or "can't allocate memory" in text)


def iter_tiles(net: nn.Module, norm: Normalization, array: Any, view: PlaneView, out: Any, *,
               mode: str, pd_stride: int, device: torch.device, tile: int | None = None,
               batch: int = 1, read_workers: int = 2, compile: bool = False,
               refine: Refine | None = None, flips: int = 1,
               write_workers: int = 4, whiten: Whitening | None = None
               ) -> Iterator[DenoiseStep]:
    """Denoise every plane of `array` into `out` (same shape) tile by tile.

    Yields one `DenoiseStep` per batch of tiles. `out` receives the result cast to its dtype
    (see `cast_output`). The tiled result equals whole-plane inference (`passes.run_flips`,
    with the outlier repair and detail restore of `refine` around it when given, and the
    whitening and colouring of `whiten` around all of it).
    """
    s = alignment(mode, pd_stride)
    halo = exact_halo(int(net.radius), mode, pd_stride, extra_halo(refine, whiten))
    width = int(getattr(net, "width", 64))
    edge = tile_size(tile or auto_tile(device, width, halo, batch), s)
    engine = Engine(net, device, mode, pd_stride, compile, refine, flips, whiten)
    pending = plan_tiles(view, edge, halo, s)
    array = chunk_cached(array, edge + 2 * halo)  # (a chunk of a whole plane: made once)
    total, done, pixels = len(pending), 0, 0
    out_dtype = np.dtype(out.dtype)
    wide = exact_float(out_dtype) == np.float64  # results kept in float64 until cast
    readers = ThreadPoolExecutor(max(read_workers, 1), thread_name_prefix="sdap-read")
    writer = TileWriter(out, write_workers)
    queue: deque[tuple[list[Tile], Future[RawBatch]]] = deque()
    warning: str | None = None
    t0 = time.perf_counter()

    def load(group: list[Tile]) -> RawBatch:
        return raw_batch([read_raw(array, view, t) for t in group],
                         [view.channel_group(t.plane) for t in group], pin=engine.cuda)

    def store(group: list[Tile], parts: list[torch.Tensor]) -> None:
        for t, res in zip(group, to_host(parts), strict=True):
            view.write(out, t.plane, cast_output(res, out_dtype), t.ys, t.xs)

    plan = batches(pending, batch)
    try:
        while True:
            while len(queue) < max(read_workers, 1) + 1:
                group = next(plan, None)
                if group is None:
                    break
                queue.append((group, readers.submit(load, group) if read_workers else _done(
                    load(group))))
            if not queue:
                break
            group, fut = queue.popleft()
            try:
                y = launch_batch(engine, fut.result(), norm, group, wide)
            except RuntimeError as err:  # torch.OutOfMemoryError is a RuntimeError
                if not _is_oom(err):
                    raise
                if edge // 2 < max(_MIN_TILE, s):
                    raise DeviceError(f"{device} ran out of memory even with {edge}-pixel "
                                      f"tiles; use a smaller model or another device") from err
                if engine.cuda:
                    torch.cuda.empty_cache()
                rest = group + [t for g, f in queue for t in g]
                for _, f in queue:
                    f.cancel()
                queue.clear()
                rest += [t for g in plan for t in g]
                edge = tile_size(edge // 2, s)
                warning = (f"{device} ran out of memory; tile halved to {edge} pixels "
                           f"and the remaining tiles re-planned")
                log.warning(warning)
                pending = split_tiles(rest, view, edge, halo, s)
                total = done + len(pending)
                plan = batches(pending, batch)
                continue
            writer.submit(lambda group=group, y=y: store(group, y),
                          [view.index(t.plane, t.ys, t.xs) for t in group])
            done += len(group)
            pixels += sum(t.pixels for t in group)
            if done == total:
                writer.drain()
            rate = pixels / max(time.perf_counter() - t0, 1e-9)
            left = view.n_planes * view.height * view.width - pixels
            yield DenoiseStep(done, total, rate / 1e6, max(left, 0) / rate, edge, warning)
        writer.drain()
    finally:
        for _, f in queue:
            f.cancel()
        readers.shutdown(wait=True, cancel_futures=True)
        writer.close()


def _done(value: Any) -> Future[Any]:
    fut: Future[Any] = Future()
    fut.set_result(value)
    return fut
