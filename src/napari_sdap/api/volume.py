"""Choosing between 2-D and 3-D training, and the plane-with-context views of 3-D models."""

from __future__ import annotations

import logging
from typing import Any

from napari_sdap.config import NetworkConfig
from napari_sdap.errors import ConfigError
from napari_sdap.model.network3d import min_planes
from napari_sdap.model.volume import plane_correlation, volume_view

__all__ = ["AUTO_MIN_PLANES", "AUTO_MIN_SHARED", "choose_dims", "volume_sources"]

log = logging.getLogger(__name__)

AUTO_MIN_PLANES = 8
"""`dims="auto"` trains 3-D only on stacks of at least this many planes along the axis..."""
AUTO_MIN_SHARED = 0.5
"""... whose neighbouring planes share at least this part of their signal
(`model.volume.plane_correlation`)."""


def choose_dims(dims: Any, sources: list[tuple[Any, Any]], along: str, context: int,
                step: int, seed: int = 0) -> tuple[int, str]:
    """(2 or 3, the reason in words) for `dims` = 2, 3 or "auto" on these training sources.

    `dims=3` on images without enough planes along `along` raises `InputError` (naming the
    minimum); "auto" then falls back to 2-D and says why."""
    if dims not in (2, 3, "auto") or isinstance(dims, bool):
        raise ConfigError(f"dims must be 2, 3 or 'auto' (got {dims!r})")
    if along not in ("Z", "T"):
        raise ConfigError(f"along must be 'Z' or 'T' (got {along!r})")
    if dims == 2:
        return 2, "dims=2 (each plane on its own)"
    if dims == 3:
        for _, view in sources:
            volume_view(view, along, context, step)  # raises when a stack is too thin
        return 3, f"dims=3 along {along}"
    need = max(AUTO_MIN_PLANES, min_planes(context, step))
    for _, view in sources:
        if along not in view.axes or view.shape[view.axes.index(along)] < need:
            size = view.shape[view.axes.index(along)] if along in view.axes else 0
            return 2, (f"dims=auto chose 2-D: {view.axes} {list(view.shape)} has {size} "
                       f"plane(s) along {along}, 3-D needs at least {need}")
    shared = [plane_correlation(a, v, v.axes.index(along), seed=seed) for a, v in sources]
    value = min(shared)
    if value < AUTO_MIN_SHARED:
        return 2, (f"dims=auto chose 2-D: neighbouring planes along {along} share "
                   f"{value:.2f} of their signal (3-D from {AUTO_MIN_SHARED})")
    return 3, (f"dims=auto chose 3-D along {along}: neighbouring planes share {value:.2f} of "
               f"their signal (>= {AUTO_MIN_SHARED}) and every stack has >= {need} planes")


def volume_sources(sources: list[tuple[Any, Any]], network: NetworkConfig
                   ) -> list[tuple[Any, Any]]:
    """The sources as the network reads them: unchanged for 2-D, with context for 3-D."""
    if network.dims != 3:
        return sources
    return [(a, volume_view(v, network.along, network.z_context, network.z_step))
            for a, v in sources]
