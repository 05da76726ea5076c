"""Where a TIFF output lies: ImageJ's origin, and the OME position of each plane."""

from __future__ import annotations

from typing import Any

import numpy as np

from napari_sdap.io.units import OME_SYMBOLS

__all__ = ["imagej_origin", "ome_planes"]


def imagej_origin(translation: dict[str, float], scale: dict[str, float]) -> dict[str, float]:
    """ImageJ's `xorigin`, `yorigin`, `zorigin`: where the image lies, in pixels from the
    origin (ImageJ counts them the other way round: minus the position over the pixel size)."""
    return {f"{a.lower()}origin": -translation[a] / (scale.get(a) or 1.0)
            for a in "XYZ" if translation.get(a)}


def ome_planes(axes: str, lead: tuple[int, ...], translation: dict[str, float],
               scale: dict[str, float], units: dict[str, str],
               depths: list[float] | None = None) -> dict[str, list[Any]]:
    """OME `Plane` positions for each plane, in the order the planes are written: X and Y as
    the image's position, Z that of each plane of a stack (the input's own `depths` where
    they do not rise evenly from the first: a stack taken from the top down)."""
    if not any(translation.get(a) for a in "XYZ") and not depths:
        return {}
    planes = list(np.ndindex(*lead))
    z_at = axes.index("Z") if "Z" in axes[:len(lead)] else None
    out: dict[str, list[Any]] = {}
    for a in "XYZ":
        if a == "Z" and z_at is not None and depths:
            values = [depths[idx[z_at]] for idx in planes]
        elif a == "Z" and z_at is not None:
            step = scale.get("Z") or 1.0
            values = [translation.get("Z", 0.0) + idx[z_at] * step for idx in planes]
        elif translation.get(a):
            values = [translation[a]] * len(planes)
        else:
            continue
        out[f"Position{a}"] = values
        if a in units:
            out[f"Position{a}Unit"] = [OME_SYMBOLS.get(units[a], units[a])] * len(planes)
    return out
