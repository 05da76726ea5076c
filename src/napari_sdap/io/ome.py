"""OME-Zarr (NGFF 0.5, zarr v3) output: one full-resolution level ``0`` with axes, units, sizes
and channel names (``omero.channels[].label``).

The metadata is plain JSON in the group's ``zarr.json`` (``attributes.ome``), written here with
zarr alone, so every install can write ``.ome.zarr`` (the `ome-zarr` library is not needed; it
writes the same attributes, see tests/reliability/test_napari_workers.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.errors import OutputError

__all__ = ["NGFF_ORDER", "check_ngff_axes", "fits_ngff", "write_ome_group"]

log = logging.getLogger(__name__)

NGFF_ORDER = "TCZYX"
NGFF_VERSION = "0.5"
_TYPES = {"T": "time", "C": "channel", "Z": "space", "Y": "space", "X": "space"}
_PREFIXES = ("atto", "femto", "pico", "nano", "micro", "milli", "centi", "deci", "", "hecto",
             "kilo", "mega", "giga", "tera", "peta", "exa", "yocto", "yotta", "zepto", "zetta")
UNITS = {
    "space": {p + "meter" for p in _PREFIXES} | {"angstrom", "inch", "foot", "mile", "yard",
                                                  "parsec"},
    "time": {p + "second" for p in _PREFIXES} | {"minute", "hour", "day"},
}
"""Units the NGFF specification lists for space and time axes (UDUNITS-2 names)."""


def fits_ngff(axes: str) -> bool:
    """Whether OME-Zarr can hold `axes`: a subset of `NGFF_ORDER`, in that order."""
    order = [NGFF_ORDER.index(a) for a in axes if a in NGFF_ORDER]
    return len(order) == len(axes) and order == sorted(order)


def check_ngff_axes(axes: str) -> None:
    """Refuse axes OME-Zarr cannot hold (`fits_ngff`): outputs are stored in its order, so only
    a letter outside it (S: planes of an unknown kind) is refused here."""
    if fits_ngff(axes):
        return
    other = "".join(a for a in axes if a not in NGFF_ORDER)
    if other and set(other) <= {"S"} and len(axes) == 3:
        named = axes.replace("S", "Z"), axes.replace("S", "T")
        hint = (f"if the planes are a z-stack or a time series, say so (command line: --axes "
                f"{named[0]} or {named[1]}; Python: axes={named[0]!r}), or ")
    else:
        hint = ""
    raise OutputError(
        f"OME-Zarr holds the axes {', '.join(NGFF_ORDER)} only, but the image axes are {axes!r} "
        f"({other or axes}: not among them); {hint}write a TIFF (command line: --format tif) or "
        f"a plain .zarr output, which keep any axes")


def _axes(axes: str, units: dict[str, str]) -> list[dict[str, str]]:
    """NGFF axes entries; a unit the specification does not list is left out, with a warning."""
    out = []
    for a in axes:
        entry = {"name": a.lower(), "type": _TYPES[a]}
        unit = units.get(a)
        if unit and a != "C":
            if unit in UNITS[_TYPES[a]]:
                entry["unit"] = unit
            else:
                log.warning("OME-Zarr: unit %r of axis %s is not an NGFF %s unit; the axis is "
                            "written without a unit", unit, a, _TYPES[a])
        out.append(entry)
    return out


def write_ome_group(path: Path, shape: tuple[int, ...], dtype: np.dtype, chunks: tuple[int, ...],
                    axes: str, scale: dict[str, float], units: dict[str, str],
                    attrs: dict[str, Any], name: str | None = None,
                    translation: dict[str, float] | None = None,
                    channels: list[str | None] | None = None,
                    colours: list[str | None] | None = None) -> Any:
    """Create an OME-Zarr group at `path` with an empty level-0 array; return that array.
    `name`: the image's name in the metadata (default: the folder's); `translation`: where
    the image lies, per axis (an input's own, so that outputs overlay it); `channels`: the
    names of the image's channels, one per channel (None: unnamed; checked by
    `io.channels.channel_names`), written as the transitional `omero` metadata, which holds
    one entry per channel and, in NGFF 0.5, needs nothing else (no colour or display window:
    none is known before the result is written); `colours`: the input's display colour of
    each channel (`RRGGBB`, None: none), written with them."""
    import zarr

    check_ngff_axes(axes)
    group = zarr.open_group(str(path), mode="w-", zarr_format=3)
    array = group.create_array("0", shape=shape, dtype=dtype, chunks=chunks, fill_value=0,
                               attributes=attrs, dimension_names=[a.lower() for a in axes])
    transforms = [{"type": "scale", "scale": [float(scale.get(a, 1.0)) for a in axes]}]
    if translation and any(a in translation for a in axes):
        transforms.append({"type": "translation",
                           "translation": [float(translation.get(a, 0.0)) for a in axes]})
    datasets = [{"path": "0", "coordinateTransformations": transforms}]
    multiscale = {"datasets": datasets, "name": name or path.name, "axes": _axes(axes, units)}
    ome: dict[str, Any] = {"version": NGFF_VERSION, "multiscales": [multiscale]}
    if channels or colours:
        entries: list[dict[str, str]] = [{} for _ in (channels or colours or [])]
        for entry, n, c in zip(entries, channels or [None] * len(entries),
                               colours or [None] * len(entries), strict=True):
            entry.update({"label": n} if n is not None else {})
            entry.update({"color": c} if c is not None else {})
        ome["omero"] = {"channels": entries}
    group.attrs.update({"ome": ome, "napari_sdap": attrs["napari_sdap"]})
    return array
