"""Pixel sizes, units, channel names and ImageJ / OME details of one TIFF series, checked
before use."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from napari_sdap.io.channels import channel_count, imagej_channels, imagej_colours, ome_channels
from napari_sdap.io.physical import clean_physical, json_safe
from napari_sdap.io.tiff_series import tiff_axes
from napari_sdap.io.units import convert, unit_name

__all__ = ["tiff_scale"]

_PHYSICAL_UNITS = (2, 3, 4, 5)
"""ResolutionUnit values with a length: inch, centimetre, millimetre, micrometre."""


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _ome_pixels(tif: Any, series: Any, index: int) -> dict[str, Any] | None:
    """The OME `Pixels` element of `series` (number `index` of the file's series)."""
    from tifffile import xml2dict

    try:
        images = xml2dict(tif.ome_metadata)["OME"]["Image"]
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None
    images = images if isinstance(images, list) else [images]
    if len(images) == len(tif.series):
        image = images[index]
    else:  # tifffile skipped an image: match the series by its name
        named = [im for im in images if isinstance(im, dict) and im.get("Name") == series.name]
        if len(named) != 1:
            return None
        image = named[0]
    pixels = image.get("Pixels") if isinstance(image, dict) else None
    return pixels if isinstance(pixels, dict) else None


def _ome_image(tif: Any, series: Any, index: int) -> dict[str, str]:
    """The OME `Image`'s name, acquisition date and description (what the sample is and when
    it was taken), which an OME-TIFF output keeps."""
    from napari_sdap.io.channels import ome_image_fields

    return ome_image_fields(tif.ome_metadata, index, len(tif.series), series.name)


def _position(ij: dict[str, Any], pixels: dict[str, Any], scale: dict[str, Any],
              units: dict[str, str], axes: str) -> dict[str, float]:
    """Where the image lies, per axis (zeros left out): ImageJ's origin (in pixels, counted
    the other way round), or the position of the first OME plane (TheZ, TheC and TheT 0),
    in the unit of the axis's pixel size. A position without a unit is read as micrometres
    (OME's schema gives it the stage's "reference frame", which nothing here can convert; most
    writers that leave the unit out mean micrometres)."""
    shift: dict[str, float] = {}
    for a in "XYZ":
        origin = _number(ij.get(f"{a.lower()}origin")) if a in axes else None
        if origin:
            shift[a] = -origin * (_number(scale.get(a)) or 1.0)
    planes = pixels.get("Plane")
    planes = planes if isinstance(planes, list) else [planes]
    first = next((p for p in planes if isinstance(p, dict) and all(
        _number(p.get(f"The{k}", 0)) == 0 for k in "ZCT")), None)
    for a in "XYZ" if isinstance(first, dict) else ():
        value = _number(first.get(f"Position{a}"))
        if a in axes and value:
            unit = unit_name(first.get(f"Position{a}Unit", "µm"))
            value = convert(value, unit, units.get(a, "micrometer"))
            if value is not None:
                shift[a] = value
    return {a: v for a, v in shift.items() if math.isfinite(v) and v != 0}


def _plane_depths(pixels: dict[str, Any], scale: dict[str, Any], units: dict[str, str],
                  shift: dict[str, float]) -> list[float] | None:
    """The depth of each Z plane (the OME positions of the planes of the first channel and
    time point, in the Z size's unit) where they are not the first plane's plus one Z size per
    plane (a stack taken from the top down, or unevenly, or without a Z size: the writer then
    steps by 1): the output writes these, not evenly rising ones. None where they are, or are
    not all given."""
    planes = pixels.get("Plane")
    planes = [p for p in (planes if isinstance(planes, list) else [planes])
              if isinstance(p, dict) and all(_number(p.get(f"The{k}", 0)) == 0 for k in "CT")]
    count = int(_number(pixels.get("SizeZ")) or 1)
    step = _number(scale.get("Z")) or 1.0  # (as the writer steps without a Z size)
    depths: dict[int, float] = {}
    for p in planes:
        z, value = _number(p.get("TheZ", 0)), _number(p.get("PositionZ"))
        unit = unit_name(p.get("PositionZUnit", "µm"))
        value = convert(value, unit, units.get("Z", "micrometer")) if value is not None else None
        if z is not None and value is not None and math.isfinite(value):
            depths[int(z)] = value
    if count < 2 or sorted(depths) != list(range(count)):
        return None
    found = [depths[i] for i in range(count)]
    even = [shift.get("Z", 0.0) + i * step for i in range(count)]
    close = all(math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9 * abs(step)) for a, b in
                zip(found, even, strict=True))
    return None if close else found


def _resolution(page: Any, micrometre: bool) -> dict[str, float]:
    """Pixel sizes from the X/YResolution tags (tifffile's `get_resolution`): in micrometres
    when `micrometre` (the tags have a physical unit), else in the tags' own unit; {} when the
    tags are missing or zero."""
    import tifffile

    if "XResolution" not in page.tags or "YResolution" not in page.tags:
        return {}
    try:
        x, y = page.get_resolution(tifffile.RESUNIT.MICROMETER if micrometre else None)
    except (TypeError, ValueError, ZeroDivisionError):
        return {}
    return {k: 1.0 / float(v) for k, v in (("X", x), ("Y", y)) if v and math.isfinite(v)}


def _channels(tif: Any, series: Any, index: int, axes: str,
              colours: bool = False) -> list[str | None] | None:
    """The names of the channels of series `index` (`io.channels`): OME-XML `Channel Name`s,
    else an ImageJ hyperstack's slice labels; with `colours`, their colours (OME `Color`,
    ImageJ lookup tables); only where the image is read with the file's own axes (axes given
    otherwise may put another axis where the file's channels are)."""
    shape = tuple(int(s) for s in series.shape)
    if tiff_axes(series.axes) != axes or len(shape) != len(axes):
        return None
    count = channel_count(axes, shape)
    if tif.is_ome and tif.ome_metadata:
        return ome_channels(tif.ome_metadata, index, len(tif.series), series.name, count,
                            colours)
    if colours:
        return imagej_colours(tif.imagej_metadata or {}, count)
    return imagej_channels(tif.imagej_metadata or {}, axes, shape)


def tiff_scale(tif: Any, series: Any, index: int, axes: str, path: Path
               ) -> tuple[dict[str, float], dict[str, str], dict[str, Any]]:
    """(scale, units, metadata) of series `index`; sizes or units that cannot be written are
    dropped with a warning (see `io.physical`). `metadata` holds the ImageJ / OME details, the
    image's position (`translation`) and its channel names (`channels`, `io.channels`)."""
    scale: dict[str, Any] = {}
    units: dict[str, Any] = {}
    meta: dict[str, Any] = {"format": "tiff"}
    page = series.keyframe
    ij = tif.imagej_metadata or {}
    unit = None
    runit = page.tags["ResolutionUnit"].value if "ResolutionUnit" in page.tags else 1
    physical = not ij and _number(runit) in _PHYSICAL_UNITS
    scale.update(_resolution(page, micrometre=physical))
    if ij:
        meta["imagej"] = json_safe({k: ij[k] for k in ("unit", "spacing", "finterval", "frames",
                                                       "slices", "channels", "mode", "yunit",
                                                       "zunit", "tunit", "min", "max")
                                   if k in ij})
        ranges = ij.get("Ranges")  # each channel's display range (min, max, min, max, ...)
        if isinstance(ranges, (list, tuple)) and all(_number(v) is not None for v in ranges):
            meta["imagej"]["ranges"] = json_safe([float(v) for v in ranges])
        unit = ij.get("unit")
        for letter in "YZ":  # ImageJ's own unit of one axis, where it differs from X's
            if f"{letter.lower()}unit" in ij:
                units[letter] = unit_name(ij[f"{letter.lower()}unit"])
        if "spacing" in ij and "Z" in axes:
            scale["Z"] = _number(ij["spacing"])
        if "finterval" in ij and "T" in axes:
            scale["T"], units["T"] = _number(ij["finterval"]), unit_name(ij.get("tunit", "sec"))
    elif physical and scale:
        unit = "micrometer"
    else:  # no unit: the resolution tags carry no physical size
        scale = {}
    if int(getattr(page, "samplesperpixel", 1)) > 1 and int(page.photometric) == 1:
        meta["photometric"] = "minisblack"  # samples that are channels, not a colour picture:
        # the output says so too (`io.tiff_writer`), not RGB
    if int(getattr(page, "samplesperpixel", 1)) == 1 and int(page.photometric) == 0:
        meta["photometric"] = "miniswhite"  # grey with 0 as white: the output says so too
    extra = page.tags["ExtraSamples"].value if "ExtraSamples" in page.tags else ()
    if 1 in (extra if isinstance(extra, tuple) else (extra,)):  # ASSOCALPHA
        meta["alpha"] = "associated"  # colour premultiplied by alpha: the output says so too
    if tif.is_ome and tif.ome_metadata:
        meta["ome"] = True
        pixels = _ome_pixels(tif, series, index) or {}  # (also read by `_position`)
        for letter in "XYZ":
            if f"PhysicalSize{letter}" in pixels:
                scale[letter] = pixels[f"PhysicalSize{letter}"]
                units[letter] = unit_name(pixels.get(f"PhysicalSize{letter}Unit", "µm"))
        if image := _ome_image(tif, series, index):
            meta["image"] = image
        if "TimeIncrement" in pixels and "T" in axes:  # the frame interval, default seconds
            scale["T"] = _number(pixels["TimeIncrement"])
            units["T"] = unit_name(pixels.get("TimeIncrementUnit", "s"))
    if unit:
        for letter in "XYZ":
            if letter in scale and letter not in units:
                units[letter] = unit_name(unit)
    units = {k: v for k, v in units.items() if v != "pixel"}  # OME's: a size without a unit
    if len(tif.series) > 1:
        meta["series"] = index
    shift = _position(ij, pixels if tif.is_ome and tif.ome_metadata else {}, scale, units,
                      axes)
    if shift:
        meta["translation"] = shift
    if "Z" in axes and tif.is_ome and tif.ome_metadata and (
            depths := _plane_depths(pixels, scale, units, shift)):
        meta["plane_z"] = depths
    if names := _channels(tif, series, index, axes):
        meta["channels"] = names
    if colours := _channels(tif, series, index, axes, colours=True):
        meta["colours"] = colours
    scale = {k: v for k, v in scale.items() if k in axes and k != "C"}
    sizes, names = clean_physical(scale, {k: v for k, v in units.items() if k in scale}, path)
    return sizes, names, meta
