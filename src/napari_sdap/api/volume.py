"""Choosing between 2-D and 3-D training, and the plane-with-context views of 3-D models."""

from __future__ import annotations

import logging
from typing import Any

from napari_sdap.config import NetworkConfig
from napari_sdap.errors import ConfigError, InputError
from napari_sdap.kinds import is_whole
from napari_sdap.model.network3d import min_planes
from napari_sdap.model.volume import noise_plane_correlation, plane_correlation, volume_view

__all__ = ["AUTO_MIN_PLANES", "AUTO_MIN_SHARED", "NOISE_STEP2", "PLANES_2D", "check_dims",
           "choose_dims", "choose_volume", "volume_sources", "volume_view"]

log = logging.getLogger(__name__)

AUTO_MIN_PLANES = 8
"""`dims="auto"` trains 3-D only on stacks of at least this many planes along the axis..."""
AUTO_MIN_SHARED = 0.5
"""... whose neighbouring planes share at least this part of their signal
(`model.volume.plane_correlation`)."""
PLANES_2D = "dims=2 (each plane on its own)"
"""The reason of a 2-D model that says nothing more (not a stack worth a 3-D model)."""
NOISE_STEP2 = 0.1
"""A 3-D model whose `z_step` is not given reads planes two apart (z_step=2) when the noise of
neighbouring planes is correlated at least this much (`model.volume.noise_plane_correlation`):
a network could otherwise predict part of a voxel's noise from its neighbours (about twice the
square of the correlation, 2 % of the noise power at 0.1)."""


def check_dims(dims: Any) -> int | str:
    """`dims` as 2, 3 or "auto", else `ConfigError` naming the value."""
    if not ((is_whole(dims) and dims in (2, 3)) or (isinstance(dims, str) and dims == "auto")):
        hint = ("; a float is refused: give the whole number 2 or 3" if isinstance(dims, float)
                else "; give the number, not text" if str(dims).strip() in ("2", "3") else "")
        raise ConfigError(f"dims must be 2, 3 or 'auto' (got {dims!r}){hint}")
    return dims if isinstance(dims, str) else int(dims)


def choose_dims(dims: Any, sources: list[tuple[Any, Any]], along: str, context: int,
                step: int, seed: int = 0) -> tuple[int, str]:
    """(2 or 3, the reason in words) for `dims` = 2, 3 or "auto" on these training sources.

    `dims=3` on images without enough planes along `along` raises `InputError` (naming the
    minimum); "auto" then falls back to 2-D and says why."""
    dims = check_dims(dims)
    if along not in ("Z", "T"):
        raise ConfigError(f"along must be 'Z' or 'T' (got {along!r})")
    if dims == 2:
        planes = [v.shape[v.axes.index(along)] if along in v.axes else 0 for _, v in sources]
        if min(planes, default=0) >= AUTO_MIN_PLANES:  # stacks: 3-D may well pay (Q16)
            return 2, (f"{PLANES_2D}; these are stacks of "
                       f"{min(planes)}+ planes along {along}: dims='auto' (--dims auto) "
                       f"trains 3-D where neighbouring planes share their signal "
                       f"(1.2-3.7 dB better on the volumes measured, docs/volumes.md)")
        return 2, PLANES_2D
    if dims == 3:
        for _, view in sources:
            volume_view(view, along, context, step)  # raises when a stack is too thin
        return 3, f"dims=3 along {along}"
    need = max(AUTO_MIN_PLANES, min_planes(context, step))
    for _, view in sources:
        if along not in view.axes or view.shape[view.axes.index(along)] < need:
            size = view.shape[view.axes.index(along)] if along in view.axes else 0
            other = "T" if along == "Z" else "Z"
            hint = (f" (it has {view.shape[view.axes.index(other)]} along {other}: "
                    f"along={other!r} (--along {other}) looks there)"
                    if other in view.axes and view.shape[view.axes.index(other)] >= need else "")
            return 2, (f"dims=auto chose 2-D: {view.axes} {list(view.shape)} has {size} "
                       f"plane(s) along {along}, 3-D needs at least {need}{hint}")
    shared = [plane_correlation(a, v, v.axes.index(along), seed=seed) for a, v in sources]
    value = min(shared)
    if value < AUTO_MIN_SHARED:
        return 2, (f"dims=auto chose 2-D: neighbouring planes along {along} share "
                   f"{value:.2f} of their signal (3-D from {AUTO_MIN_SHARED})")
    return 3, (f"dims=auto chose 3-D along {along}: neighbouring planes share {value:.2f} of "
               f"their signal (>= {AUTO_MIN_SHARED}) and every stack has >= {need} planes")


def choose_volume(dims: Any, sources: list[tuple[Any, Any]], along: str, context: int,
                  step: int | None, seed: int = 0) -> tuple[int, int | None, str]:
    """(2 or 3, z_step, the reason in words): `choose_dims`, then, for a 3-D model whose
    `step` is None (not given), 2 when the noise of neighbouring planes is correlated (from
    `NOISE_STEP2`), else 1. A given `step` is kept as it is.

    When z_step=2 needs more planes than a stack has, `dims=3` raises `InputError` (naming the
    minimum) and "auto" falls back to 2-D."""
    picked, why = choose_dims(dims, sources, along, context, step or 1, seed)
    if picked == 2:
        return 2, step, why
    if step is not None:
        return 3, step, f"{why}, z_step={step} as given"
    value = max(noise_plane_correlation(a, v, v.axes.index(along), seed=seed)
                for a, v in sources)
    if value < NOISE_STEP2:
        return 3, 1, (f"{why}, z_step=1: the noise of neighbouring planes is independent "
                      f"(correlation {value:.2f} < {NOISE_STEP2})")
    noise = (f"the noise of neighbouring planes along {along} is correlated ({value:.2f} >= "
             f"{NOISE_STEP2})")
    need = min_planes(context, 2)
    for k, (_, v) in enumerate(sources):
        size = v.shape[v.axes.index(along)]
        if size < need and dims == "auto":
            return 2, None, (f"dims=auto chose 2-D: {noise}, so a 3-D model would read planes "
                             f"two apart (z_step=2), which needs {need} planes, but {v.axes} "
                             f"{list(v.shape)} has {size}")
        if size < need:
            raise InputError(
                f"{noise}: a 3-D model then reads planes two apart (z_step=2), which with "
                f"z_context={context} needs at least {need} planes along {along}, but "
                + (f"training image {k + 1} of {len(sources)}" if len(sources) > 1 else
                   "the image") + f" ({v.axes}, shape {v.shape}) has {size}; use dims=2, "
                + ("a smaller z_context, " if context > 1 else "")
                + "or z_step=1 to use the neighbouring planes anyway")
    return 3, 2, f"{why}, z_step=2: {noise}, so the network reads planes two apart"


def volume_sources(sources: list[tuple[Any, Any]], network: NetworkConfig,
                   trained: bool = False, given: bool = False) -> list[tuple[Any, Any]]:
    """The sources as the network reads them: unchanged for 2-D, with context for 3-D
    (`trained`: for denoising, whose errors name fixes in the image; `given`: for training a
    given model further, whose dims apply; `volume_view`)."""
    if network.dims != 3:
        return sources
    return [(a, volume_view(v, network.along, network.z_context, network.z_step, trained,
                            given)) for a, v in sources]
