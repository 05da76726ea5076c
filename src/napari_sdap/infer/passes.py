"""The inference variants, applied to whole N x C x H x W tensors.

- ``bsn``: one blind-spot pass at full resolution (for white noise, stride-1 models);
- ``sdap``: pixel-shuffle down with stride `pd_stride` into the batch, one pass, shuffle back;
- ``sdap_e``: ``sdap`` followed by one full-resolution pass over its result;
- ``student``: one pass of the distilled non-blind student (`model.student`) at full resolution.

`run_flips` averages any of them over 2, 4 or 8 flips and quarter turns of the input (each
output, with the steps that follow the network, turned back first): a self-ensemble that evens
out errors that depend on orientation, at one more inference per transform.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from napari_sdap.errors import ConfigError
from napari_sdap.infer.tiling import FULL_RES, alignment
from napari_sdap.kinds import lowered
from napari_sdap.model.sampling import pad_to_multiple, pd_down, pd_up

__all__ = ["FLIPS", "FULL_RES", "MODES", "alignment", "check_flips", "dihedral", "halo",
           "resolve_mode", "run_flips", "run_mode"]

MODES = ("student", "sdap", "sdap_e", "bsn")

FLIPS = {1: (0,), 2: (0, 6), 4: (0, 2, 4, 6), 8: tuple(range(8))}
"""The `dihedral` transforms averaged for each count: 2 adds the upside-down image, 4 the
quarter turns, 8 all flips and turns."""


def resolve_mode(mode: str, train_stride: int, student: bool = False,
                 volume: bool = False) -> str:
    """`auto` -> `student` when the model has one, else `bsn` for stride-1 models, else
    `sdap_e` (`sdap` for 3-D models, `volume`); other names are checked.

    3-D models run `bsn` or `sdap` only: the second, full-resolution pass of `sdap_e` would need
    the first pass's result of the neighbouring planes as its Z context."""
    mode = lowered(mode)
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
        raise ConfigError("mode 'student' needs a model with a distilled student (training "
                          "distils one for white noise; student=True forces it); use mode "
                          "'sdap_e', 'sdap' or 'bsn', or mode 'auto'")
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


def check_flips(flips: object) -> int:
    """`flips` as an int if it is one of the `FLIPS` counts (1, 2, 4, 8), else `ConfigError`."""
    if isinstance(flips, bool) or flips not in FLIPS:
        raise ConfigError(f"flips must be one of {', '.join(map(str, FLIPS))} (got {flips!r}): "
                          f"the number of flips and quarter turns to average; 1 turns it off")
    return int(flips)  # type: ignore[call-overload]


def dihedral(x: torch.Tensor, k: int, inverse: bool = False) -> torch.Tensor:
    """Transform `k` (0..7) of N x C x H x W tensors: `k % 4` quarter turns, then a left-right
    flip for k >= 4; `inverse` undoes it."""
    turns, flip = k % 4, k >= 4
    if inverse:
        return torch.rot90(x.flip(-1) if flip else x, -turns, dims=(-2, -1))
    x = torch.rot90(x, turns, dims=(-2, -1))
    return x.flip(-1) if flip else x


@torch.no_grad()
def run_flips(net: nn.Module, x: torch.Tensor, mode: str, pd_stride: int = 2,
              bf16: bool = False, flips: int = 1,
              after: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None
              ) -> torch.Tensor:
    """`run_mode` averaged over the `FLIPS[flips]` transforms of `x`; `after(input, output)`
    (the detail restore) runs on each transformed pass before it is turned back.

    The first transform is the identity, run as `run_mode` itself, so `flips=1` is exactly
    `run_mode`. For the pixel-shuffle modes the others first pad `x` at the bottom/right to a
    multiple of the stride, as `run_mode` does, so that the sub-images of the turned plane hold
    the same pixels as the untransformed ones: a window aligned to the stride is then a window
    of the turned padded plane, aligned too, and tiles stay exact (`tiling`).
    """
    s, transforms = alignment(mode, pd_stride), FLIPS[check_flips(flips)]

    def run(xk: torch.Tensor) -> torch.Tensor:
        y = run_mode(net, xk, mode, pd_stride, bf16)
        return y if after is None else after(xk, y)

    total = run(x)
    if len(transforms) == 1:
        return total
    padded, (h, w) = pad_to_multiple(x, s)
    for k in transforms[1:]:
        total = total + dihedral(run(dihedral(padded, k)), k, inverse=True)[..., :h, :w]
    return total / len(transforms)
