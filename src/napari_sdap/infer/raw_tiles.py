"""Windows go to the device in the image's stored dtype and are normalised there.

Reading a window as float32, checking it for NaN, normalising it in float64 and stacking it took
the reader threads five passes over every pixel, and de-normalising the whole window took two
more after the network: on a GPU the host limited streamed inference. Here the reader threads
only read and stack: a window keeps its stored dtype where torch holds it exactly as float32
(8- and 16-bit integers, float16, float32; uint16 is half the bytes of float32); any other
(32- and 64-bit integers, float64) travels as float64, so that a large offset (uint32 counts
near 4e9) is taken off before anything is rounded to float32's 24 bits (`axes.exact_float`).
The device converts it, checks it for NaN/Inf, normalises it, and after the network
de-normalises only the tile's own pixels, in the same float64 arithmetic as `Normalization`:
the results equal the host path's to the bit. Results for an output of such a dtype stay in
float64 until they are cast to it. Devices without float64 (MPS) do this arithmetic on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from napari_sdap.axes import PlaneView, exact_float
from napari_sdap.errors import InputError
from napari_sdap.infer.tiling import Tile
from napari_sdap.model.normalize import Normalization

__all__ = ["RawBatch", "denoise_batch", "denormalise", "launch_batch", "normalise", "raw_batch",
           "read_raw", "to_host"]

_KEEP = ("u1", "i1", "u2", "i2", "f2", "f4")
"""Stored dtypes sent as they are (all convert to float32 exactly)."""
_F32_MAX = float(np.finfo(np.float32).max)


def read_raw(array: Any, view: PlaneView, tile: Tile) -> np.ndarray:
    """The (C, h, w) window of `tile` in its stored dtype (native byte order), or as float32
    or float64 where that dtype is not one the device takes (`axes.exact_float`, as
    `stream.read_window` reads it)."""
    stored = np.dtype(array.dtype).newbyteorder("=")
    dtype = stored if stored.str[1:] in _KEEP else exact_float(stored)
    return view.read(array, tile.plane, tile.wy, tile.wx, dtype=dtype)


@dataclass(frozen=True)
class RawBatch:
    """Windows of one shape stacked in their stored dtype (uint16 travels as int16)."""

    x: torch.Tensor
    groups: list[int]
    """Channel (normalisation) group of each window."""
    unsigned16: bool


def raw_batch(blocks: list[np.ndarray], groups: list[int], pin: bool) -> RawBatch:
    """Stack `read_raw` windows on the host (pinned memory when `pin`)."""
    a = np.stack(blocks)
    unsigned16 = a.dtype == np.uint16
    x = torch.from_numpy(a.view(np.int16) if unsigned16 else a)
    return RawBatch(x.pin_memory() if pin else x, list(groups), unsigned16)


def _scales(norm: Normalization, groups: list[int], device: torch.device
            ) -> tuple[torch.Tensor, torch.Tensor]:
    lo, sc = zip(*(norm.scale(g) for g in groups), strict=True)

    def col(v: tuple[float, ...]) -> torch.Tensor:
        return torch.tensor(v, dtype=torch.float64, device=device).view(-1, 1, 1, 1)

    return col(lo), col(sc)


def normalise(batch: RawBatch, lo: torch.Tensor, sc: torch.Tensor,
              tiles: list[Tile]) -> torch.Tensor:
    """The float32 network input of `batch`, on the device of the per-window offsets `lo` and
    scales `sc` (`_scales`). Raises `InputError` naming the first window that holds NaN or
    Inf."""
    x = batch.x.to(lo.device, non_blocking=True)
    if batch.unsigned16:
        x = x.to(torch.int32) & 0xFFFF
    if x.is_floating_point():
        bad = (~torch.isfinite(x) | (x.abs() > _F32_MAX)).flatten(1).sum(1)
        if bool(bad.any()):
            k = int(torch.nonzero(bad)[0, 0])
            t = tiles[k]
            raise InputError(
                f"plane {t.plane} of the image near y={t.ys.start}, x={t.xs.start} contains "
                f"{int(bad[k])} NaN or infinite value(s) (beyond +-3.4e38, float32's range, "
                f"counts as infinite); replace or rescale them first, e.g. "
                f"np.nan_to_num(image, nan=0.0, posinf=..., neginf=...)")
    return ((x.to(torch.float64) - lo) / sc).to(torch.float32)  # (exact for the kept dtypes)


def denormalise(y: torch.Tensor, lo: torch.Tensor, sc: torch.Tensor, tiles: list[Tile],
                wide: bool = False) -> list[torch.Tensor]:
    """Each tile's own pixels of the network output `y` on the image's intensity scale, as
    float32 (C, h, w) tensors on the device of `lo` (`Normalization.inverse` of the inner
    region); as float64 (not clipped to float32's range) when `wide`, for an output dtype
    float32 does not hold exactly (`axes.exact_float`). On a GPU they may still be being
    computed: `to_host` waits for them."""
    out = []
    for k, t in enumerate(tiles):
        iy, ix = t.inner
        part = y[k, :, iy, ix].to(lo.device).float().to(torch.float64) * sc[k] + lo[k]
        out.append(part if wide else part.clamp_(-_F32_MAX, _F32_MAX).to(torch.float32))
    return out


def to_host(parts: list[torch.Tensor]) -> list[np.ndarray]:
    """`denormalise`'s tensors as numpy arrays (waits for the device's work on them)."""
    return [p.cpu().numpy() for p in parts]


def launch_batch(engine: Any, batch: RawBatch, norm: Normalization,
                 tiles: list[Tile], wide: bool = False) -> list[torch.Tensor]:
    """`normalise`, the network of `engine` (a `stream.Engine`), `denormalise`, queued on the
    engine's device (MPS, without float64, does the arithmetic on the CPU: the engine moves
    `x`). On a GPU this returns once the work is queued, so the next batch can be read and
    queued while the device computes; `to_host` waits for the results. `wide`: results in
    float64 (`denormalise`)."""
    work = engine.device if engine.device.type in ("cuda", "cpu") else torch.device("cpu")
    lo, sc = _scales(norm, batch.groups, work)
    x = normalise(batch, lo, sc, tiles)
    return denormalise(engine.run(x, batch.groups)[1], lo, sc, tiles, wide)


def denoise_batch(engine: Any, batch: RawBatch, norm: Normalization,
                  tiles: list[Tile], wide: bool = False) -> list[np.ndarray]:
    """`launch_batch`, then `to_host`: each tile's result as a float32 (C, h, w) array
    (float64 when `wide`)."""
    return to_host(launch_batch(engine, batch, norm, tiles, wide))
