"""Whole-plane denoising loop: one record per plane, stoppable between planes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_sdap.axes import PlaneView
from napari_sdap.errors import InputError
from napari_sdap.infer.passes import run_mode
from napari_sdap.model.device import use_bf16
from napari_sdap.model.normalize import Normalization, check_finite

__all__ = ["DenoiseStep", "check_min_size", "iter_planes", "min_size"]


@dataclass(frozen=True)
class DenoiseStep:
    """Progress of the denoising loop."""

    done: int
    """Work units (planes or tiles) finished."""
    total: int
    mpix_per_s: float
    """Throughput so far, in megapixels of output per second."""
    eta_s: float


def min_size(mode: str, pd_stride: int) -> int:
    """Smallest image side a mode accepts (each pixel-shuffle sub-image needs 4 pixels)."""
    return 4 if mode == "bsn" else 4 * pd_stride


def check_min_size(view: PlaneView, mode: str, pd_stride: int) -> None:
    """Raise `InputError` when the image plane is too small for `mode`."""
    need = min_size(mode, pd_stride)
    if min(view.height, view.width) < need:
        hint = " or mode='bsn' (needs 4)" if mode != "bsn" else ""
        raise InputError(
            f"image plane {view.height}x{view.width} is smaller than the {need}x{need} minimum of "
            f"mode {mode!r}; pad or enlarge the image{hint}"
        )


def iter_planes(net: nn.Module, norm: Normalization, array: Any, view: PlaneView, out: Any,
                mode: str, pd_stride: int, device: torch.device) -> Iterator[DenoiseStep]:
    """Denoise every plane of `array` into `out` (same shape), one plane at a time."""
    net.to(device).eval()
    bf16 = use_bf16(device)
    total = view.n_planes
    t0, pixels = time.perf_counter(), 0
    for n in range(total):
        block = view.read(array, n)
        check_finite(block, f"plane {n} of the image")
        g = view.channel_group(n)
        x = torch.from_numpy(norm.forward(block, g)[None]).to(device)
        y = run_mode(net, x, mode, pd_stride, bf16)[0].cpu().numpy()
        view.write(out, n, norm.inverse(y, g).astype(np.float32, copy=False))
        pixels += view.height * view.width
        dt = max(time.perf_counter() - t0, 1e-9)
        rate = pixels / dt
        left = (total - n - 1) * view.height * view.width / rate
        yield DenoiseStep(done=n + 1, total=total, mpix_per_s=rate / 1e6, eta_s=left)

