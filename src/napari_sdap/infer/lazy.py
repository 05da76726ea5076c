"""Lazy denoising: a dask array whose blocks are exact tiles, computed only when read."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_sdap.axes import PlaneView, exact_float
from napari_sdap.infer.raw_tiles import denoise_batch, raw_batch, read_raw
from napari_sdap.infer.refine import Refine
from napari_sdap.infer.stream import Engine, cast_output
from napari_sdap.infer.tiling import Tile, alignment, axis_windows, exact_halo, tile_size
from napari_sdap.infer.whiten import Whitening, extra_halo
from napari_sdap.model.normalize import Normalization

__all__ = ["lazy_denoise"]


def _to_block(data: np.ndarray, view: PlaneView) -> np.ndarray:
    """(C, h, w) -> the block's layout in the array's axes (looped axes of size 1)."""
    order = [a for i, a in enumerate(view.axes) if i not in view.loop_axes]
    if "C" not in order:
        data, src = data[0], ["Y", "X"]
    else:
        src = ["C", "Y", "X"]
    block = np.transpose(data, [src.index(a) for a in order])
    for i in sorted(view.loop_axes):
        block = np.expand_dims(block, i)
    return block


def lazy_denoise(net: nn.Module, norm: Normalization, array: Any, view: PlaneView, *, mode: str,
                 pd_stride: int, device: torch.device, tile: int, dtype: Any = np.float32,
                 refine: Refine | None = None, flips: int = 1,
                 whiten: Whitening | None = None) -> Any:
    """A dask array of the denoised image; each block is one tile, exact like `iter_tiles`.

    Blocks read only their window of `array` when computed, so the input is never loaded
    whole. The network runs on `device` from whichever thread dask uses; `refine` adds the
    outlier repair and detail restore, `flips` the averaging over flips (`passes.run_flips`),
    `whiten` the whitening and colouring around them.
    """
    import dask.array as da

    s = alignment(mode, pd_stride)
    halo = exact_halo(int(net.radius), mode, pd_stride, extra_halo(refine, whiten))
    edge = tile_size(tile, s)
    wys = axis_windows(view.height, edge, halo, s)
    wxs = axis_windows(view.width, edge, halo, s)
    engine = Engine(net, device, mode, pd_stride, compile=False, refine=refine, flips=flips,
                    whiten=whiten)
    dtype = np.dtype(dtype)
    wide = exact_float(dtype) == np.float64  # results kept in float64 until cast

    work = _Work(engine, norm, array, view, wys, wxs, dtype, wide)
    chunks: list[tuple[int, ...]] = []
    for i, a in enumerate(view.axes):
        if a == "Y":
            chunks.append(tuple(t1 - t0 for t0, t1, _, _ in wys))
        elif a == "X":
            chunks.append(tuple(t1 - t0 for t0, t1, _, _ in wxs))
        elif i in view.loop_axes:
            chunks.append((1,) * view.shape[i])
        else:
            chunks.append((view.shape[i],))
    name = f"sdap-denoise-{uuid.uuid4().hex}"
    # the network, the normalisation and the input are one key of the graph, which each
    # task names: a cluster of processes sends them to a worker once, not with every tile
    # (a closure over them was sent with each task: 4x slower per tile)
    graph: dict[Any, Any] = {f"{name}-work": work}
    graph.update({(name, *idx): (_compute, f"{name}-work", tuple(idx))
                  for idx in np.ndindex(*map(len, chunks))})
    return da.Array(graph, name, chunks=tuple(chunks), dtype=dtype)


class _Work:
    """What every tile of one lazy result needs (not a tuple: dask would take that for a
    task)."""

    def __init__(self, engine: Engine, norm: Normalization, array: Any, view: PlaneView,
                 wys: list[tuple[int, int, int, int]], wxs: list[tuple[int, int, int, int]],
                 dtype: np.dtype, wide: bool) -> None:
        self.engine, self.norm, self.array, self.view = engine, norm, array, view
        self.wys, self.wxs, self.dtype, self.wide = wys, wxs, dtype, wide
        self.loop_sizes = [view.shape[i] for i in view.loop_axes]


def _compute(work: _Work, block_index: tuple[int, ...]) -> np.ndarray:
    """The block at `block_index`: one tile, denoised."""
    view = work.view
    ny = block_index[view.axes.index("Y")]
    nx = block_index[view.axes.index("X")]
    pos = [block_index[i] for i in view.loop_axes]
    n = int(np.ravel_multi_index(pos, work.loop_sizes)) if pos else 0
    (ty0, ty1, wy0, wy1), (tx0, tx1, wx0, wx1) = work.wys[ny], work.wxs[nx]
    t = Tile(n, slice(ty0, ty1), slice(tx0, tx1), slice(wy0, wy1), slice(wx0, wx1))
    batch = raw_batch([read_raw(work.array, view, t)], [view.channel_group(n)], pin=False)
    y = denoise_batch(work.engine, batch, work.norm, [t], work.wide)[0]
    return _to_block(cast_output(y, work.dtype), view)
