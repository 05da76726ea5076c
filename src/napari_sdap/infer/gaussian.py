"""A Gaussian blur that tiles exactly: the student's targets (`infer.smoothing`) and the
output of models trained for correlated noise (`infer.correlated`) are blurred with it."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["blur_radius", "gaussian"]


def blur_radius(sigma: float) -> int:
    """Half-width of the blur's kernel (3 standard deviations; 0 without a blur)."""
    return math.ceil(3.0 * sigma) if sigma > 0 else 0


def gaussian(a: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of each channel of an N x C x h x w tensor, edges mirrored
    (replicated where the window is smaller than the kernel): windows that reach
    `blur_radius` beyond the pixels kept give those pixels exactly, so tiles equal the whole
    plane."""
    r = blur_radius(sigma)
    if r == 0:
        return a
    t = torch.arange(-r, r + 1, dtype=torch.float64)
    k = torch.exp(-t * t / (2.0 * sigma * sigma))
    k = (k / k.sum()).to(device=a.device, dtype=a.dtype)
    n, c, h, w = a.shape
    flat = a.reshape(n * c, 1, h, w)
    mode = "reflect" if min(h, w) > r else "replicate"
    flat = F.conv2d(F.pad(flat, (r, r, 0, 0), mode=mode), k.view(1, 1, 1, -1))
    flat = F.conv2d(F.pad(flat, (0, 0, r, r), mode=mode), k.view(1, 1, -1, 1))
    return flat.reshape(n, c, h, w)
