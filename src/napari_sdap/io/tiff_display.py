"""How a TIFF output shows its channels, as its input did: an ImageJ hyperstack's display mode
and lookup tables, OME channel colours, and samples that are channels (`minisblack`), not a
colour picture; and the depth of each Z plane where it does not rise evenly from the first.
Each is taken from the output's provenance record (the input's metadata) and only where the
output has the input's channels (its axes)."""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["grey_samples", "imagej_display_range", "imagej_mode", "imagej_ranges",
           "input_metadata", "ome_colour", "ome_image", "plane_depths", "uneven_depths",
           "white_is_zero"]

log = logging.getLogger(__name__)


def input_metadata(metadata: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the record's `input`, that input's own metadata), {} where missing."""
    source = metadata.get("input") if isinstance(metadata, dict) else None
    source = source if isinstance(source, dict) else {}
    found = source.get("metadata") if isinstance(source.get("metadata"), dict) else {}
    return source, found


def _imagej(found: dict[str, Any]) -> dict[str, Any]:
    """The ImageJ part of an input's metadata ({} where none)."""
    ij = found.get("imagej")
    return ij if isinstance(ij, dict) else {}


def _numbers(values: Any) -> bool:
    """Whether `values` are all plain numbers (not booleans)."""
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def imagej_mode(metadata: dict[str, Any], axes: str, shape: tuple[int, ...]) -> str | None:
    """The display mode of an ImageJ input (`composite`: its channels overlaid in colour,
    `color`: one channel at a time in its colour, `grayscale`), where the output has its
    channels (the input's axes and number of channels); None otherwise (tifffile writes
    `grayscale`: a composite hyperstack came back from denoising grey, one channel at a
    time)."""
    source, found = input_metadata(metadata)
    ij = _imagej(found)
    mode = ij.get("mode")
    if mode not in ("composite", "color", "grayscale") or source.get("axes") != axes \
            or "C" not in axes:
        return None
    return mode if ij.get("channels") == shape[axes.index("C")] > 1 else None


def imagej_ranges(metadata: dict[str, Any], axes: str, shape: tuple[int, ...]
                  ) -> tuple[float, ...] | None:
    """An ImageJ input's display range of each channel (`Ranges`: min, max per channel; the
    output is on the input's intensity scale, so they show it as the input was shown), where
    the output has its channels and displays them as it did (`imagej_mode`)."""
    if imagej_mode(metadata, axes, shape) is None:
        return None
    _, found = input_metadata(metadata)
    ranges = _imagej(found).get("ranges")
    count = shape[axes.index("C")]
    if not isinstance(ranges, list) or len(ranges) != 2 * count or not _numbers(ranges):
        return None
    return tuple(float(v) for v in ranges)


def imagej_display_range(metadata: dict[str, Any], axes: str) -> dict[str, float]:
    """An ImageJ input's display range (`min`, `max`: how Fiji showed it; the output is on the
    input's intensity scale) where the output has its axes; {} otherwise."""
    source, found = input_metadata(metadata)
    ij = _imagej(found)
    low, high = ij.get("min"), ij.get("max")
    if source.get("axes") != axes or not _numbers((low, high)) or not low < high:
        return {}
    return {"min": float(low), "max": float(high)}


def grey_samples(metadata: dict[str, Any], axes: str) -> bool:
    """Whether the input stored these samples as channels (`minisblack`: three or four
    fluorescence channels per pixel, not a colour picture) in these axes; its output says so
    too (it was labelled RGB, and viewers showed the channels as a colour photograph)."""
    source, found = input_metadata(metadata)
    return found.get("photometric") == "minisblack" and source.get("axes") == axes


def white_is_zero(metadata: dict[str, Any], axes: str) -> bool:
    """Whether the input stored its grey values with 0 as white (TIFF `miniswhite`, as ImageJ
    saves an image shown with an inverting LUT) in these axes: its output says so too (it was
    written `minisblack`, and every viewer showed the result as a negative of the input)."""
    source, found = input_metadata(metadata)
    return found.get("photometric") == "miniswhite" and source.get("axes") == axes


def ome_colour(colour: str) -> int:
    """`RRGGBB` as OME's `Color`: a signed 32-bit RGBA integer, opaque."""
    rgba = (int(colour, 16) << 8) | 0xFF
    return rgba - 2**32 if rgba >= 2**31 else rgba


def plane_depths(metadata: dict[str, Any], axes: str, shape: tuple[int, ...]
                 ) -> list[float] | None:
    """The input's own depth of each Z plane (`io.tiff_meta`: recorded only where they do not
    rise evenly from the first), where the output has the input's axes and Z planes."""
    source, found = input_metadata(metadata)
    depths = found.get("plane_z")
    if source.get("axes") != axes or "Z" not in axes or not isinstance(depths, list):
        return None
    if len(depths) != shape[axes.index("Z")]:
        return None
    try:
        return [float(v) for v in depths]
    except (TypeError, ValueError):
        return None


def uneven_depths(depths: list[float] | None, holder: str) -> None:
    """Warn that `holder` (an output that holds one Z origin and step) cannot keep the input's
    plane `depths` (`plane_depths`), which it writes rising evenly from the first."""
    if not depths:
        return
    shown = ", ".join(f"{v:g}" for v in depths[:4]) + (", ..." if len(depths) > 4 else "")
    log.warning("the input's Z planes lie at %s, not rising evenly by the Z size from the "
                "first; %s holds one origin and step, so its planes are written rising from "
                "the first (an OME-TIFF output keeps each plane's position: in Python, an "
                "output named .ome.tif)", shown, holder)


def ome_image(metadata: dict[str, Any]) -> dict[str, str]:
    """An OME input's `Name`, `AcquisitionDate` and `Description` (`io.tiff_meta`), for the
    OME-XML of its output: the sample's name and when it was taken go with its pixels."""
    _, found = input_metadata(metadata)
    image = found.get("image")
    keys = ("Name", "AcquisitionDate", "Description")
    return {k: v for k, v in image.items() if k in keys and isinstance(v, str)} \
        if isinstance(image, dict) else {}

