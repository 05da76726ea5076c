"""Stream a (zarr) array into a TIFF plane by plane, keeping axes, pixel sizes, units and
channel names.

ImageJ hyperstacks are written when the axes and dtype allow it (axes in ImageJ order TZCYX,
uint8/uint16/float32, under 4 GB, and a name not ending in `.ome.tif`) so Fiji opens them with
calibration; everything else becomes an OME-TIFF (BigTIFF above ~4 GB). Planes larger than
`TILE_ABOVE` bytes are written as tiled TIFF, one tile at a time, so memory use stays bounded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.errors import OutputError
from napari_sdap.io.channels import imagej_luts, plane_labels
from napari_sdap.io.physical import json_safe
from napari_sdap.io.tiff_display import (
    grey_samples,
    imagej_display_range,
    imagej_mode,
    imagej_ranges,
    ome_colour,
    ome_image,
    plane_depths,
    uneven_depths,
    white_is_zero,
)
from napari_sdap.io.tiff_position import imagej_origin, ome_planes
from napari_sdap.io.units import OME_SYMBOLS, convert, imagej_unit

__all__ = ["BIGTIFF_ABOVE", "TILE_ABOVE", "check_layout", "write_tiff"]

log = logging.getLogger(__name__)

BIGTIFF_ABOVE = 2**32 - 2**27
"""Bytes of pixel data above which BigTIFF is written (classic TIFF offsets are 32-bit)."""
TILE_ABOVE = 2**28
"""Bytes per plane above which the TIFF is tiled (512 x 512 tiles)."""
_TILE = 512
_IMAGEJ_DTYPES = ("uint8", "uint16", "float32")
PROVENANCE_TAG = 65000


OME_ENDINGS = (".ome.tif", ".ome.tiff")
"""Names that ask for OME-TIFF: written with OME-XML even where ImageJ could hold the data."""


def _imagej_ok(axes: str, dtype: np.dtype, nbytes: int) -> bool:
    order = [("TZCYX".index(a) if a in "TZCYX" else -1) for a in axes]
    return (-1 not in order and order == sorted(order) and str(dtype) in _IMAGEJ_DTYPES
            and nbytes < BIGTIFF_ABOVE and axes.endswith("YX"))


def _planes(array: Any, lead: tuple[int, ...]) -> Iterator[np.ndarray]:
    for idx in np.ndindex(*lead):
        yield np.ascontiguousarray(array[idx])


def _tiles(array: Any, lead: tuple[int, ...], h: int, w: int) -> Iterator[np.ndarray]:
    for idx in np.ndindex(*lead):
        for y in range(0, h, _TILE):
            for x in range(0, w, _TILE):
                block = np.asarray(array[(*idx, slice(y, y + _TILE), slice(x, x + _TILE))])
                if block.shape[:2] != (_TILE, _TILE):
                    pad = [(0, _TILE - block.shape[0]), (0, _TILE - block.shape[1])]
                    block = np.pad(block, pad + [(0, 0)] * (block.ndim - 2))
                yield block


def _resolution(sx: Any, sy: Any) -> tuple[float, float] | None:
    """Pixels per unit for the X/YResolution tags, None (with a warning) when a size cannot be
    stored as a 32-bit rational to within 1e-4 (the OME/ImageJ metadata still carry it)."""
    if not sx or not sy:
        return None
    for size in (sx, sy):
        try:  # as tifffile stores it: numerator and denominator below 2**32
            per_unit = 1.0 / float(size)
            most = min(2**32 - 1, int((2**32 - 1) / per_unit))
            ratio = Fraction(per_unit).limit_denominator(most) if most >= 1 else Fraction(0)
            ok = ratio > 0 and abs(float(ratio) / per_unit - 1.0) < 1e-4
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            ok = False
        if not ok:
            log.warning("pixel size %r cannot be stored in the TIFF resolution tags; they are "
                        "left out", size)
            return None
    return 1.0 / sx, 1.0 / sy


def _samples(axes: str, shape: tuple[int, ...]) -> bool:
    """Whether a last C axis after Y and X is stored as 2-4 samples per pixel (like RGB)."""
    return axes.endswith("C") and 2 <= shape[-1] <= 4 and axes[-3:-1] == "YX"


_OME_DTYPES = ("int8", "int16", "int32", "uint8", "uint16", "uint32", "float32", "float64")
"""The pixel types of OME-TIFF (the TIFFs that are not ImageJ hyperstacks are written so)."""


def check_layout(axes: str, shape: tuple[int, ...], dtype: Any = None) -> None:
    """Refuse, before any work, an image a TIFF cannot hold in its axis order: pages are Y x X
    (or Y x X x 2-4 samples), so Y and X must come last (or just before such a C); or in its
    `dtype` (OME-TIFF has no 64-bit integers and no float16)."""
    if dtype is not None and str(np.dtype(dtype)) not in _OME_DTYPES:
        raise OutputError(
            f"a TIFF output cannot hold dtype {np.dtype(dtype)} (OME-TIFF stores only "
            f"{', '.join(_OME_DTYPES)}); give dtype='float64' or dtype='float32', or write a "
            f".zarr output, which keeps any numeric dtype (Python API: output='result.zarr')")
    if not (axes.endswith("YX") or _samples(axes, shape)):
        raise OutputError(
            f"a TIFF stores Y and X as the last axes (or Y, X and 2-4 colour channels), but the "
            f"image's axes are {axes!r} (shape {shape}); save the image with Y and X as its "
            f"last axes first (e.g. numpy.moveaxis), or write a plain .zarr output, which keeps "
            f"any order (Python API: output='result.zarr')")


def _in_units(scale: dict[str, float], units: dict[str, str], path: Path
              ) -> tuple[dict[str, float], str | None, dict[str, str]]:
    """(`scale` for an ImageJ file, its `unit`, its `yunit` / `zunit`). ImageJ's `unit` is X's
    (`pixel` where X has none but Y or Z has one); Y and Z are converted to it where they can
    be, and otherwise keep their own size with their own unit (`pixel` for none: a kymograph's
    Y in seconds, a line scan's unitless Y), which ImageJ stores per axis: written in X's unit
    they read back as micrometres they never were. T goes to seconds; a frame interval that
    cannot be converted (an unknown unit) is left out, with a warning."""
    lengths = [a for a in "XYZ" if a in scale]
    if not any(a in units for a in lengths):
        unit = None
    else:
        unit = units.get("X", "pixel") if "X" in scale else next(units[a] for a in lengths
                                                                   if a in units)
    out: dict[str, float] = {}
    own: dict[str, str] = {}
    for a, v in scale.items():
        if a == "T":
            value = convert(v, units.get(a), "second")
            if value is None:
                log.warning("%s: the T size %r %s cannot be written in seconds; it is left "
                            "out", path, v, units.get(a))
                continue
            out[a] = value
            continue
        if a in "YZ" and a in lengths and unit is not None and units.get(a, "pixel") != unit:
            value = convert(v, units.get(a), unit) if unit != "pixel" and a in units else None
            if value is None:  # not a length in X's unit: its own size and unit
                own[f"{a.lower()}unit"] = imagej_unit(units.get(a, "pixel"))
                value = v
            out[a] = value
            continue
        out[a] = v
    return out, unit, own


def write_tiff(path: Path, array: Any, *, axes: str, scale: dict[str, float],
               units: dict[str, str], metadata: dict[str, Any], ome: bool = False,
               translation: dict[str, float] | None = None,
               channels: list[str | None] | None = None,
               colours: list[str | None] | None = None) -> None:
    """Write `array` (numpy-indexable, any size) to a new TIFF at `path`; `ome`: OME-TIFF
    even where an ImageJ hyperstack could hold it (the output is named `.ome.tif`);
    `translation`: where the image lies, per axis (ImageJ's origin, OME's plane positions);
    `channels`: the names of the image's channels, one per channel (None: unnamed), as OME
    `Channel Name`s or, in an ImageJ TIFF, as the label of each plane (Fiji shows a channel's
    name so; without a C axis, every plane carries the name of the image's one channel);
    colour samples (RGB) get none: OME counts them as one channel; `colours`: each channel's
    display colour (`RRGGBB`, None: none), as OME `Color`s or ImageJ lookup tables."""
    import tifffile

    shape = tuple(int(s) for s in array.shape)
    dtype = np.dtype(array.dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    info = json.dumps(json_safe(metadata), default=str)
    imagej = _imagej_ok(axes, dtype, nbytes) and not ome
    unit = next((units[a] for a in "XYZ" if a in units), None)
    own: dict[str, str] = {}
    translation = {a: float(v) for a, v in (translation or {}).items() if a in axes}
    origin = imagej_origin(translation, scale)  # (in pixels: before any unit changes)
    depths = plane_depths(metadata, axes, shape)
    if imagej:
        uneven_depths(depths, "an ImageJ TIFF")
    if imagej:  # one length unit for the file (the others converted), kept in its description
        if ("X" in scale) != ("Y" in scale):  # both come from the resolution tags: the
            scale = {"X": 1.0, "Y": 1.0, **scale}  # other one a plain 1 (no unit), not X's size
        scale, unit, own = _in_units(scale, units, path)
        resolution = _resolution(scale.get("X"), scale.get("Y"))
        kwargs: dict[str, Any] = {"software": "napari-sdap", "resolution": resolution}
    else:  # the tags in pixels per centimetre, which readers of the tags alone understand
        # (with no unit tifffile wrote inches: 0.2 um pixels read as 5 dpi); sizes without a
        # unit (napari's `pixel`) stay plain numbers (no unit), not centimetres
        cm = [convert(scale[a], units.get(a), "centimeter") if a in scale else None
              for a in "XY"]
        plain = not any(a in units for a in "XY")
        same = plain or ("X" in units and "Y" in units)  # (one with a unit, one without: none)
        resolution = _resolution(*cm) if None not in cm and same else None
        kwargs = {"software": "napari-sdap", "resolution": resolution,
                  "resolutionunit": "CENTIMETER" if resolution and not plain else "NONE"}
    check_layout(axes, shape, dtype)
    samples = _samples(axes, shape)
    page_ndim = 3 if samples else 2
    lead = shape[:-page_ndim]
    h, w = shape[-page_ndim], shape[-page_ndim + 1]
    if imagej:
        meta: dict[str, Any] = {"axes": axes, "Info": info}
        if unit:
            meta["unit"] = imagej_unit(unit)
        meta.update(own)
        if "Z" in scale and "Z" in axes:
            meta["spacing"] = scale["Z"]
        if "T" in scale and "T" in axes:
            meta["finterval"] = scale["T"]
        if channels:  # (one channel without a C axis: every plane carries its name)
            meta["Labels"] = plane_labels(channels, axes, lead)
        luts = imagej_luts(colours or [])
        several = "C" in axes and shape[axes.index("C")] > 1  # (an OME input's coloured
        # channels are shown overlaid, as Bio-Formats shows them)
        if mode := imagej_mode(metadata, axes, shape) or ("composite" if luts and several
                                                           else None):
            meta["mode"] = mode
        if luts:
            meta["LUTs"] = luts
        if ranges := imagej_ranges(metadata, axes, shape):
            meta["Ranges"] = ranges
        meta.update(imagej_display_range(metadata, axes))
        kwargs.update(imagej=True, metadata={**meta, **origin})
    else:
        ome_axes = axes[:-1] + "S" if samples else axes.replace("S", "Q")
        meta = {**ome_image(metadata), "axes": ome_axes}
        for a in "XYZ":
            if a in scale:
                meta[f"PhysicalSize{a}"] = scale[a]
                # no unit: OME's `pixel` (a size without its unit is read as micrometres)
                size_unit = units.get(a, "pixel")
                meta[f"PhysicalSize{a}Unit"] = OME_SYMBOLS.get(size_unit, size_unit)
        if "T" in scale and "T" in axes:
            meta["TimeIncrement"] = scale["T"]
            if "T" in units:
                meta["TimeIncrementUnit"] = OME_SYMBOLS.get(units["T"], units["T"])
        if planes := ome_planes(axes, lead, translation, scale, units, depths):
            meta["Plane"] = planes
        if (channels or colours) and not samples:
            count = len(channels or colours or [])
            meta["Channel"] = [{**({"Name": n} if n is not None else {}),
                                **({"Color": ome_colour(c)} if c is not None else {})}
                               for n, c in zip(channels or [None] * count,
                                               colours or [None] * count, strict=True)]
        kwargs.update(ome=True, bigtiff=nbytes >= BIGTIFF_ABOVE, metadata=meta,
                      extratags=[(PROVENANCE_TAG, "s", 0, info, True)])
        if samples:  # RGB, or RGBA: colour and its (unassociated) alpha
            colour = shape[-1] in (3, 4) and not grey_samples(metadata, axes)
            kwargs.update(photometric="rgb" if colour else "minisblack",
                          planarconfig="contig")
            if shape[-1] == 4 and colour:  # premultiplied where the input's was (`io.tiff_meta`)
                source = ((metadata.get("input") or {}).get("metadata") or {})
                associated = isinstance(source, dict) and source.get("alpha") == "associated"
                kwargs["extrasamples"] = ("assocalpha" if associated else "unassalpha",)
    if h * w * (shape[-1] if samples else 1) * dtype.itemsize > TILE_ABOVE:
        data: Iterator[np.ndarray] = _tiles(array, lead, h, w)
        kwargs["tile"] = (_TILE, _TILE)
    else:
        data = _planes(array, lead)
    if not kwargs.get("photometric"):  # (grey: 0 is white where the input's was)
        kwargs["photometric"] = "miniswhite" if white_is_zero(metadata, axes) else "minisblack"
    with tifffile.TiffWriter(path, bigtiff=kwargs.pop("bigtiff", False),
                             imagej=kwargs.pop("imagej", False),
                             ome=kwargs.pop("ome", None)) as tif:
        tif.write(data, shape=shape, dtype=dtype, **kwargs)
