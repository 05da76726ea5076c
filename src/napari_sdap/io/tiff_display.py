"""How a TIFF output shows its channels, as its input did: an ImageJ hyperstack's display mode
and lookup tables, OME channel colours, and samples that are channels (`minisblack`), not a
colour picture. Each is taken from the output's provenance record (the input's metadata) and
only where the output has the input's channels (its axes)."""

from __future__ import annotations

from typing import Any

__all__ = ["grey_samples", "imagej_mode", "ome_colour"]


def _source(metadata: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the record's `input`, that input's own metadata), {} where missing."""
    source = metadata.get("input") if isinstance(metadata.get("input"), dict) else {}
    found = source.get("metadata") if isinstance(source.get("metadata"), dict) else {}
    return source, found


def imagej_mode(metadata: dict[str, Any], axes: str, shape: tuple[int, ...]) -> str | None:
    """The display mode of an ImageJ input (`composite`: its channels overlaid in colour,
    `color`: one channel at a time in its colour, `grayscale`), where the output has its
    channels (the input's axes and number of channels); None otherwise (tifffile writes
    `grayscale`: a composite hyperstack came back from denoising grey, one channel at a
    time)."""
    source, found = _source(metadata)
    ij = found.get("imagej") if isinstance(found.get("imagej"), dict) else {}
    mode = ij.get("mode")
    if mode not in ("composite", "color", "grayscale") or source.get("axes") != axes \
            or "C" not in axes:
        return None
    return mode if ij.get("channels") == shape[axes.index("C")] > 1 else None


def grey_samples(metadata: dict[str, Any], axes: str) -> bool:
    """Whether the input stored these samples as channels (`minisblack`: three or four
    fluorescence channels per pixel, not a colour picture) in these axes; its output says so
    too (it was labelled RGB, and viewers showed the channels as a colour photograph)."""
    source, found = _source(metadata)
    return found.get("photometric") == "minisblack" and source.get("axes") == axes


def ome_colour(colour: str) -> int:
    """`RRGGBB` as OME's `Color`: a signed 32-bit RGBA integer, opaque."""
    rgba = (int(colour, 16) << 8) | 0xFF
    return rgba - 2**32 if rgba >= 2**31 else rgba
