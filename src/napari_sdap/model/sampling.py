"""Pixel-shuffle down/up sampling (PD, batch variant) and random sub-samples generation (RSG).

PD with stride s splits an image into the s*s phase sub-images ``x[..., dy::s, dx::s]`` and stacks
them along the batch axis; `pd_up` is its exact inverse. Sizes that are not a multiple of s are
edge-padded (replicated) at the bottom/right first and cropped back afterwards. Replicating, not
reflecting: a reflected row lands in the same sub-image as the row it copies (at stride 2, row
H-2 and its mirror H), so the blind-spot network would see that pixel's own noise next to it.

RSG draws, for every s x s cell of every image, a random permutation of the cell's s*s pixels;
sub-image j takes the pixel in slot j of each cell. The s*s sub-images partition the patch.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

__all__ = ["pad_to_multiple", "pd_down", "pd_up", "rsg_subsample"]


def pad_to_multiple(x: torch.Tensor, s: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad N x C x H x W at the bottom/right to multiples of `s`; returns (padded, (H, W))."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % s, (-w) % s
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    return x, (h, w)


def pd_down(x: torch.Tensor, s: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """N x C x H x W -> (s*s*N) x C x ceil(H/s) x ceil(W/s); sub-image index is dy*s + dx."""
    if s == 1:
        return x, tuple(x.shape[-2:])  # type: ignore[return-value]
    x, size = pad_to_multiple(x, s)
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // s, s, w // s, s).permute(3, 5, 0, 1, 2, 4)
    return x.reshape(s * s * n, c, h // s, w // s), size


def pd_up(x: torch.Tensor, s: int, size: tuple[int, int]) -> torch.Tensor:
    """Inverse of `pd_down`: (s*s*N) x C x h x w -> N x C x H x W cropped to `size`."""
    if s == 1:
        return x
    sn, c, h, w = x.shape
    n = sn // (s * s)
    x = x.reshape(s, s, n, c, h, w).permute(2, 3, 4, 0, 5, 1).reshape(n, c, h * s, w * s)
    return x[..., : size[0], : size[1]]


def rsg_subsample(x: torch.Tensor, s: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Random sub-samples of a batch: N x C x H x W (H, W multiples of s) -> s*s x N x C x H/s x W/s.

    The permutations are drawn on `x.device` in one vectorised call; all channels of a pixel move
    together, and every pixel lands in exactly one sub-image.
    """
    n, c, h, w = x.shape
    hs, ws, k = h // s, w // s, s * s
    cells = x.reshape(n, c, hs, s, ws, s).permute(0, 1, 2, 4, 3, 5).reshape(n, c, hs, ws, k)
    keys = torch.rand((n, 1, hs, ws, k), generator=generator, device=x.device)
    perm = keys.argsort(dim=-1).expand(n, c, hs, ws, k)
    subs = torch.gather(cells, -1, perm)
    return subs.permute(4, 0, 1, 2, 3)
