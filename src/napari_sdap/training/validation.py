"""Held-out validation: a band of rows at the bottom of every plane that training never reads.

The validation loss is the training loss (`loop.cyclic_loss`) on a fixed set of patches from
that band, with a fixed random sub-sampling, so values from different steps compare.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import torch

from napari_sdap.errors import ConfigError, InputError
from napari_sdap.model.device import use_bf16
from napari_sdap.training.loop import cyclic_loss
from napari_sdap.training.patches import PatchSampler

__all__ = ["MIN_PATCH", "Validator", "holdout_rows", "validation_fits", "validation_on"]

MIN_PATCH = 16
"""Smallest validation patch edge (pixels)."""
VAL_PATCHES = 16
"""Patches in the fixed validation set."""
_VAL_SEED = 104_729


def holdout_rows(heights: Sequence[int], fraction: float, patch: int,
                 stride: int = 1) -> tuple[list[int], int]:
    """Rows held out at the bottom of each source's planes, and the validation patch edge.

    An `InputError` when a band could not hold a validation patch of `MIN_PATCH` (or 4 x
    `stride`) pixels, or would leave fewer than `patch` rows to train on.
    """
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0 < fraction < 1:
        raise ConfigError(f"validation must be a fraction between 0 and 1 (got {fraction!r}); "
                          f"0 turns validation off")
    bands = [max(1, math.ceil(fraction * h)) for h in heights]
    edge = min(patch, *bands)
    edge -= edge % stride
    need = max(MIN_PATCH, 4 * stride)
    if edge < need or any(h - b < patch for h, b in zip(heights, bands, strict=True)):
        raise InputError(
            f"validation={fraction:g} holds out {min(bands)} of {min(heights)} rows; it needs at "
            f"least {need} rows held out and {patch} rows (the patch size) left to train on; "
            f"use a larger image, a smaller patch size or fraction, or validation=0")
    return bands, edge


def validation_on(fraction: Any) -> bool:
    """Whether `validation=fraction` asks for a validation band: 0, None and False turn it off;
    anything else is checked by `holdout_rows` (an empty text or a list was read as off)."""
    return not (fraction is None or fraction is False
                or (isinstance(fraction, numbers.Real) and fraction == 0))


def validation_fits(heights: Sequence[int], fraction: float, patch: int,
                    stride: int = 1) -> bool:
    """Whether `holdout_rows` accepts these images (no error raised)."""
    try:
        holdout_rows(heights, fraction, patch, stride)
    except (InputError, ConfigError):
        return False
    return True


class Validator:
    """The fixed validation patches of `sources` and the loss of a network on them."""

    def __init__(self, sources: Sequence[tuple[Any, Any]], norm: Any, bands: Sequence[int],
                 edge: int, stride: int, loss: str, batch_size: int, seed: int) -> None:
        rows = [(v.height - b, v.height) for (_, v), b in zip(sources, bands, strict=True)]
        sampler = PatchSampler(sources, norm, edge, seed=seed + _VAL_SEED, augment=False,
                               rows=rows)
        self.patches = torch.from_numpy(sampler.sample(VAL_PATCHES))
        self.stride, self.loss, self.batch_size = stride, loss, max(1, batch_size)

    def __call__(self, net: torch.nn.Module, device: torch.device) -> float:
        """Mean loss of `net` on the validation patches (the network is left in training mode)."""
        gen = torch.Generator(device=device)
        gen.manual_seed(_VAL_SEED)
        net.eval()
        total = 0.0
        try:
            with torch.no_grad():
                for chunk in self.patches.split(self.batch_size):
                    value = cyclic_loss(net, chunk.to(device), self.stride, self.loss, gen,
                                        use_bf16(device))
                    total += float(value) * len(chunk)
        finally:
            net.train()
        return total / len(self.patches)
