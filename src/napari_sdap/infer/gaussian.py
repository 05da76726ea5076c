"""A Gaussian blur that tiles exactly: the student's targets (`infer.smoothing`) and the
output of models trained for correlated noise (`infer.correlated`) are blurred with it; the
input mixed into the output of models trained for strong white noise (`infer.mixing`) with
its `donut`, the same blur without its centre tap; the colour components alone of RGB outputs
(`infer.colour`) with `colour_blur`."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["OPPONENT", "blur_radius", "centre_weight", "colour_blur", "donut", "gaussian"]


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
    k = _taps(sigma).to(device=a.device, dtype=a.dtype)
    n, c, h, w = a.shape
    flat = a.reshape(n * c, 1, h, w)
    mode = "reflect" if min(h, w) > r else "replicate"
    flat = F.conv2d(F.pad(flat, (r, r, 0, 0), mode=mode), k.view(1, 1, 1, -1))
    flat = F.conv2d(F.pad(flat, (0, 0, r, r), mode=mode), k.view(1, 1, -1, 1))
    return flat.reshape(n, c, h, w)


def _taps(sigma: float) -> torch.Tensor:
    r = blur_radius(sigma)
    t = torch.arange(-r, r + 1, dtype=torch.float64)
    k = torch.exp(-t * t / (2.0 * sigma * sigma))
    return k / k.sum()


def centre_weight(sigma: float) -> float:
    """The centre tap of `gaussian`'s 2-D kernel (0 without a blur)."""
    if blur_radius(sigma) == 0:
        return 0.0
    return float(_taps(sigma)[blur_radius(sigma)] ** 2)


def donut(a: torch.Tensor, sigma: float) -> torch.Tensor:
    """`gaussian` with the centre tap removed, renormalised: each pixel from its neighbours
    alone (tiles as exactly as `gaussian`; `a` itself without a blur)."""
    g0 = centre_weight(sigma)
    if g0 == 0.0:
        return a
    return (gaussian(a, sigma) - g0 * a) / (1.0 - g0)


OPPONENT = np.array([[1, 1, 1], [1, 0, -1], [1, -2, 1]], dtype=float)
OPPONENT /= np.linalg.norm(OPPONENT, axis=1, keepdims=True)
"""Rows: the orthonormal brightness and two colour components of RGB."""


def colour_blur(mu: torch.Tensor, sigma: float) -> torch.Tensor:
    """`mu` (N x 3 x h x w, RGB) with its two colour components blurred by `sigma` px
    (`gaussian`: tiles equal the whole plane with `blur_radius` more context)."""
    if blur_radius(sigma) == 0:
        return mu
    m = torch.as_tensor(OPPONENT, dtype=mu.dtype, device=mu.device)
    o = torch.einsum("ck,nkhw->nchw", m, mu)
    o = torch.cat([o[:, :1], gaussian(o[:, 1:], sigma)], dim=1)
    return torch.einsum("kc,nkhw->nchw", m, o)
