"""Lazy TIFF reading (tifffile `aszarr`) with ImageJ / OME axes, pixel sizes and units."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from napari_sdap.errors import AxesError, InputError
from napari_sdap.io.source import ImageSource, check_axes, unit_name

__all__ = ["check_tiff_complete", "open_tiff"]

_TIFF_AXES = {"S": "C", "E": "C", "I": "S", "Q": "S", "R": "S"}
"""tifffile axis letters -> ours (tifffile S = colour samples, I = image sequence, Q = unknown)."""
_INCH_CM = {2: ("inch", 25400.0), 3: ("centimeter", 10000.0)}


def _tiff_axes(raw: str) -> str:
    out = []
    for a in raw.upper():
        b = _TIFF_AXES.get(a, a)
        if b in out and a in _TIFF_AXES:  # e.g. both I and Q: keep the file's letter, fail later
            b = a
        out.append(b)
    return "".join(out)


def _tiff_scale(tif: Any, axes: str) -> tuple[dict[str, float], dict[str, str], dict[str, Any]]:
    scale: dict[str, float] = {}
    units: dict[str, str] = {}
    meta: dict[str, Any] = {"format": "tiff"}
    page = tif.pages.first
    tags = page.tags
    ij = tif.imagej_metadata or {}
    unit = None
    for letter, tag in (("X", "XResolution"), ("Y", "YResolution")):
        if tag in tags:
            num, den = tags[tag].value
            if num and den:
                scale[letter] = den / num
    runit = tags["ResolutionUnit"].value if "ResolutionUnit" in tags else 1
    if ij:
        meta["imagej"] = {k: ij[k] for k in ("unit", "spacing", "finterval", "frames", "slices",
                                             "channels", "mode") if k in ij}
        unit = ij.get("unit")
        if "spacing" in ij and "Z" in axes:
            scale["Z"] = float(ij["spacing"])
        if "finterval" in ij and "T" in axes:
            scale["T"], units["T"] = float(ij["finterval"]), "second"
    elif int(runit) in _INCH_CM and scale:
        factor = _INCH_CM[int(runit)][1]
        scale = {k: v * factor for k, v in scale.items()}
        unit = "micrometer"
    else:  # no unit: the resolution tags carry no physical size
        scale = {}
    if tif.is_ome and tif.ome_metadata:
        meta["ome"] = True
        try:
            from tifffile import xml2dict

            pixels = xml2dict(tif.ome_metadata)["OME"]["Image"]
            pixels = (pixels[0] if isinstance(pixels, list) else pixels)["Pixels"]
            for letter in "XYZ":
                if f"PhysicalSize{letter}" in pixels:
                    scale[letter] = float(pixels[f"PhysicalSize{letter}"])
                    units[letter] = unit_name(pixels.get(f"PhysicalSize{letter}Unit", "µm"))
        except (KeyError, TypeError, ValueError, IndexError):
            pass
    if unit:
        for letter in "XYZ":
            if letter in scale and letter not in units:
                units[letter] = unit_name(unit)
    return ({k: float(v) for k, v in scale.items() if k in axes},
            {k: v for k, v in units.items() if k in axes}, meta)


def open_tiff(path: Path, axes: str | None) -> ImageSource:
    import tifffile
    import zarr

    try:
        tif = tifffile.TiffFile(path)
    except (tifffile.TiffFileError, ValueError, OSError) as err:
        raise InputError(f"{path}: not a readable TIFF file ({err}); check the file") from None
    try:
        series = tif.series[0]
        check_tiff_complete(tif, series, path)
        store = series.aszarr(level=0)
        array = zarr.open_array(store, mode="r")
        found = _tiff_axes(series.axes)
        shape = tuple(int(s) for s in array.shape)
        ax = check_axes(found, axes, shape, path)
        scale, units, meta = _tiff_scale(tif, ax)
    except (InputError, AxesError):
        tif.close()
        raise
    except Exception as err:
        tif.close()
        raise InputError(f"{path}: could not read the TIFF image data ({err}); "
                         f"check that the file is complete") from None
    return ImageSource(array, ax, scale, units, meta, path, [tif])


def check_tiff_complete(tif: Any, series: Any, path: Path) -> None:
    """Refuse a TIFF whose pages do not hold what its header announces, or whose data is cut.

    tifffile falls back to reading whatever pages it finds when an ImageJ/OME header does not
    match them (a copy cut short at a page boundary, or a wrong page count): a 5-slice stack
    cut after its first page would otherwise open as one complete-looking 2-D image.
    """
    import tifffile

    declared = [k for k, flag in (("imagej", tif.is_imagej), ("ome", tif.is_ome),
                                  ("shaped", tif.is_shaped)) if flag]
    kind = str(series.kind).lower()
    if declared and kind not in declared:
        ij = (tif.imagej_metadata or {}) if tif.is_imagej else {}
        said = ", ".join(f"{k}={ij[k]}" for k in ("images", "channels", "slices", "frames")
                         if k in ij)
        raise InputError(f"{path}: the file's {len(tif.pages)} page(s) do not match its "
                         f"{declared[0]} header{f' ({said})' if said else ''}: truncated copy "
                         f"or wrong page count; copy or export the file again")
    size = tif.filehandle.size
    try:
        if series.dataoffset is not None:
            end = series.dataoffset + series.nbytes
        else:
            end = max((p.dataoffsets[-1] + p.databytecounts[-1] for p in series.pages
                       if p is not None and p.dataoffsets and p.parent is tif), default=0)
    except tifffile.TiffFileError as err:
        raise InputError(f"{path}: the TIFF structure is damaged ({err}); the file is "
                         f"truncated or corrupted: copy or export it again") from None
    if end > size:
        raise InputError(f"{path}: the file is truncated (its image data runs to byte {end} "
                         f"but the file has {size} bytes); copy or export it again")
