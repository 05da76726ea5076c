"""The training patch: fitted to the training images' planes and to the sub-sampling stride.

A patch is a multiple of the stride (its sub-images tile it exactly) and at most the smallest
plane's short side; a plane too small for four strides cannot train at that stride.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from napari_sdap.axes import channels_hint
from napari_sdap.errors import InputError

__all__ = ["round_patch", "with_patch"]


def _fit_patch(patch: int, stride: int, sources: list[tuple[Any, Any]]) -> int:
    sides = [min(v.height, v.width) for _, v in sources]
    side = min(sides)
    patch = min(patch, side)
    patch -= patch % stride
    if patch < 4 * stride:
        view = sources[sides.index(side)][1]
        which = ("the image" if len(sources) == 1 else
                 f"training image {sides.index(side) + 1} of {len(sources)}")
        raise InputError(
            f"the planes of {which} ({side} px on their short side) are too small to train at "
            f"stride {stride} (needs at least "
            f"{4 * stride} px per side); use a larger image"
            + (" or stride=1 (command line: --stride 1)" if stride > 1 else "")
            + channels_hint(view.axes, view.shape))
    return patch


def round_patch(overrides: dict[str, Any], stride: int | str) -> dict[str, Any]:
    """A hand-set `patch_size` rounded down to a multiple of the stride training will use (with
    stride 'auto' the user cannot know it in advance); at least 4 strides."""
    patch = overrides.get("patch_size")  # (numpy's integers too: np.int64(51) was not rounded)
    patch = int(patch) if isinstance(patch, np.integer) else patch
    stride = int(stride) if isinstance(stride, np.integer) else stride
    if not isinstance(patch, int) or isinstance(patch, bool) or not isinstance(stride, int):
        return overrides  # not set, or invalid: the config's validation names the problem
    return {**overrides, "patch_size": max(patch - patch % stride, 4 * stride)}


def with_patch(cfg: Any, sources: list[tuple[Any, Any]]) -> Any:
    """`cfg` with its patch fitted to the smallest plane of `sources` at its stride."""
    t = cfg.training
    return cfg.model_copy(update={"training": t.model_copy(
        update={"patch_size": _fit_patch(t.patch_size, t.stride, sources)})})
