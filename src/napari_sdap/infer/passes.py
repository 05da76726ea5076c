"""The inference variants, applied to whole N x C x H x W tensors.

- ``bsn``: one blind-spot pass at full resolution (for white noise, stride-1 models);
- ``sdap``: pixel-shuffle down with stride `pd_stride` into the batch, one pass, shuffle back;
- ``sdap_e``: ``sdap`` followed by one full-resolution pass over its result;
- ``student``: one pass of the distilled non-blind student (`model.student`) at full resolution.
"""

from __future__ import annotations

import torch
from torch import nn

from napari_sdap.errors import ConfigError
from napari_sdap.infer.tiling import FULL_RES, alignment
from napari_sdap.model.sampling import pd_down, pd_up

__all__ = ["FULL_RES", "MODES", "alignment", "halo", "resolve_mode", "run_mode"]

MODES = ("student", "sdap", "sdap_e", "bsn")


def resolve_mode(mode: str, train_stride: int, student: bool = False,
                 volume: bool = False) -> str:
    """`auto` -> `student` when the model has one, else `bsn` for stride-1 models, else
    `sdap_e` (`sdap` for 3-D models, `volume`); other names are checked.

    3-D models run `bsn` or `sdap` only: the second, full-resolution pass of `sdap_e` would need
    the first pass's result of the neighbouring planes as its Z context."""
    if mode == "auto":
        return ("student" if student else "bsn" if train_stride == 1 else
                "sdap" if volume else "sdap_e")
    if mode not in MODES:
        names = ", ".join(map(repr, MODES))
        raise ConfigError(f"mode must be one of 'auto', {names} (got {mode!r})")
    if volume and mode == "sdap_e":
        raise ConfigError("mode 'sdap_e' is not available for 3-D models (network.dims=3); "
                          "use mode 'sdap' or 'bsn'")
    if mode == "student" and not student:
        raise ConfigError("mode 'student' needs a model with a distilled student (train with "
                          "student=True, the default); use mode 'sdap_e', 'sdap' or 'bsn'")
    return mode


def halo(radius: int, mode: str, pd_stride: int) -> int:
    """Context (pixels) an output pixel depends on, in each direction, for windows at any origin.

    `bsn`: r; `sdap`: r * s + (s - 1) (the pixel-shuffle phase of an unaligned window origin
    costs up to s - 1 more); `sdap_e`: that plus r for the full-resolution second pass. Tiles
    aligned to the stride (`tiling.exact_halo`, used by the tiled loop) need exactly r * s
    (+ r for `sdap_e`).
    """
    first = radius if mode in FULL_RES else radius * pd_stride + (pd_stride - 1)
    return first + (radius if mode == "sdap_e" else 0)


def _net(net: nn.Module, x: torch.Tensor, bf16: bool) -> torch.Tensor:
    if x.is_cuda:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        return net(x).float()


@torch.no_grad()
def run_mode(net: nn.Module, x: torch.Tensor, mode: str, pd_stride: int = 2,
             bf16: bool = False) -> torch.Tensor:
    """Denoise a normalised N x C x H x W tensor with one of the `MODES`."""
    if mode in FULL_RES:
        return _net(net, x, bf16)
    sub, size = pd_down(x, pd_stride)
    y = pd_up(_net(net, sub, bf16), pd_stride, size)
    if mode == "sdap_e":
        y = _net(net, y, bf16)
    return y
