"""Reading zarr arrays and OME-Zarr images: axes, pixel sizes, units, where they lie and the
names of their channels (`omero.channels[].label`).

A zarr path may be an array, a group holding one array, an OME-Zarr image (its multiscales
metadata gives level 0, its axes, sizes and translation), a bioformats2raw store of several
image series, or an array inside a store (`image.ome.zarr/0`, which takes the group's axes).
Axes otherwise come from napari-sdap's own attributes, zarr v3 `dimension_names` or xarray's
`_ARRAY_DIMENSIONS`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from napari_sdap.axes import axes_from_names
from napari_sdap.errors import InputError
from napari_sdap.io.axes_view import AxesView
from napari_sdap.io.channels import channel_count, omero_channels
from napari_sdap.io.physical import clean_physical, clean_translation
from napari_sdap.io.source import ImageSource, check_axes
from napari_sdap.io.tiff_series import series_listing

__all__ = ["open_zarr", "store_series"]

log = logging.getLogger(__name__)
_WARNED: set[tuple[str, int, int]] = set()


def warn_missing_chunks(array: Any, path: Path) -> None:
    """Log, once per process and array state, where chunks of `array` are not stored: they read
    as the fill value, which is right for regions written as all fill value and wrong after
    an interrupted copy or write (nothing else would say so). Nothing is listed while the
    warning would not be shown (`cli.jobs.quiet` on cluster workers, where the client's probe
    showed it): listing takes 0.2 ms a chunk (4 s for 20 000), and each piece of a split
    file opened the store again."""
    if not log.isEnabledFor(logging.WARNING):
        return
    try:
        total, stored = int(array.nchunks), int(array.nchunks_initialized)
    except Exception:  # a store that cannot list its chunks: nothing to say
        return
    key = (str(path), total, stored)
    if stored >= total or key in _WARNED:
        return
    _WARNED.add(key)
    fill = getattr(getattr(array, "metadata", None), "fill_value", None)
    fill = fill.item() if hasattr(fill, "item") else fill
    log.warning("%s: %d of %d chunks of the zarr array are not stored and read as the fill "
                "value %r; expected where regions were written as all fill value, otherwise "
                "the copy or write of the store was interrupted: check it", path,
                total - stored, total, fill)


def _ome_multiscales(attrs: dict[str, Any]) -> list[dict[str, Any]] | None:
    ms = attrs.get("multiscales") or (attrs.get("ome") or {}).get("multiscales")
    return ms if isinstance(ms, list) and ms else None


def _mapping(value: Any) -> dict[str, Any]:
    return {str(k).upper(): v for k, v in value.items()} if isinstance(value, dict) else {}


def store_series(node: Any) -> list[int]:
    """The image series of a bioformats2raw layout (its groups `0`, `1` ...); [] for any other
    zarr node."""
    import zarr

    if not isinstance(node, zarr.Group) or "bioformats2raw.layout" not in dict(node.attrs):
        return []
    return sorted(int(k) for k in node.group_keys() if str(k).isdigit())


def _bioformats2raw(node: Any, path: Path, series: int | None) -> Any:
    """Image `series` of a bioformats2raw layout (one OME-Zarr group per series, `0`, `1` ...);
    refuse several without a choice, as for multi-series TIFFs."""
    found = store_series(node)
    listing = series_listing(found, lambda k: f"series {k}: {path / str(k)}")
    if series is None and len(found) > 1:
        raise InputError(f"{path}: the store holds {len(found)} image series ({listing}); only "
                         f"one is read at a time: choose it with series=N "
                         f"(napari_sdap.open_image(path, series=N); CLI: --series N)")
    pick = found[0] if series is None and found else series
    if pick not in found:
        raise InputError(f"{path}: series={series!r} does not exist; the store has series "
                         f"{series_listing(found, str)}; give one of them")
    return node[str(pick)]


@dataclass(frozen=True)
class Level:
    """Where one level (a `datasets` entry) of an OME multiscales entry lies: its axes, the
    size of its pixels and the position of its first pixel per axis (the level's transforms
    followed by the multiscales entry's own, as OME-NGFF composes them), and the units."""

    axes: str = ""
    scale: dict[str, float] = field(default_factory=dict)
    translation: dict[str, float] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    group: dict[str, Any] = field(default_factory=dict)
    """The attributes of the image's group (its `omero` channel names, `io.channels`)."""


def _transforms(items: Any, names: list[str]) -> tuple[list[float] | None, list[float]]:
    """(scale or None where there is none, translation) per axis of a list of OME
    `coordinateTransformations` (a transform that does not fit the axes is passed over)."""
    scale, shift = None, [0.0] * len(names)
    for t in items if isinstance(items, list) else []:
        if not isinstance(t, dict):
            continue
        values = t.get(str(t.get("type")))
        if not isinstance(values, list) or len(values) != len(names) or not all(
                isinstance(v, int | float) and math.isfinite(v) for v in values):
            continue
        if t["type"] == "scale":
            scale = [float(v) for v in values]
        elif t["type"] == "translation":
            shift = [float(v) for v in values]
    return scale, shift


def _ome_level(ms: dict[str, Any], level: dict[str, Any]) -> Level:
    """The `Level` of `level`, a `datasets` entry of the OME multiscales entry `ms`."""
    names = [a["name"] if isinstance(a, dict) else a for a in ms.get("axes", [])]
    letters = [str(n).upper()[:1] for n in names]
    own_scale, own_shift = _transforms(level.get("coordinateTransformations"), names)
    all_scale, all_shift = _transforms(ms.get("coordinateTransformations"), names)
    units = {str(a["name"]).upper(): str(a["unit"]) for a in ms.get("axes", [])
             if isinstance(a, dict) and a.get("unit")}
    ones = [1.0] * len(names)
    outer = all_scale or ones
    scale = ({} if own_scale is None and all_scale is None else
             {a: s * g for a, s, g in zip(letters, own_scale or ones, outer, strict=True)})
    shift = {a: t * g + u for a, t, g, u in zip(letters, own_shift, outer, all_shift,
                                                 strict=True) if t * g + u != 0}
    return Level("".join(letters), scale, shift, units)


def _level_of_parent(path: Path) -> Level:
    """The `Level` of the array at `path` where it is a level of the OME-Zarr group around
    it (opened on its own, it has neither axes nor position); empty where it is not."""
    import zarr

    try:
        parent = zarr.open_group(str(path.parent), mode="r")
        ms = _ome_multiscales(dict(parent.attrs)) or []
    except Exception:  # not a group, or not readable: the array alone
        return Level()
    for entry in ms:
        for level in entry.get("datasets", []) if isinstance(entry, dict) else []:
            if isinstance(level, dict) and str(level.get("path")) == path.name:
                return replace(_ome_level(entry, level), group=dict(parent.attrs))
    return Level()


def _first_level(node: Any, ms: list[Any], path: Path) -> tuple[dict[str, Any], Any]:
    """The first level's entry of OME-Zarr `multiscales` metadata `ms` of group `node`, and its
    array; an `InputError` where the metadata names no array of the group (edited or damaged
    metadata: no datasets, a path that is absent, absolute, holds '..' or is a group)."""
    import zarr

    level: Any = None
    try:
        level = ms[0]["datasets"][0]
        array = node[level["path"]]
        if isinstance(array, zarr.Array):
            return level, array
        why = "it is a group, not an array"
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:
        why = f"{type(err).__name__}: {err}"
    named = level.get("path") if isinstance(level, dict) else None
    raise InputError(f"{path}: its OME-Zarr metadata (multiscales datasets) names no readable "
                     f"first level (path {named!r}; {why}); the metadata was edited or damaged: "
                     f"open the level's array itself, e.g. {path}/0, or export the image again")


def open_zarr(path: Path, axes: str | None, series: int | None = None) -> ImageSource:
    import zarr

    try:
        node = zarr.open(str(path), mode="r")
    except Exception as err:
        raise InputError(f"{path}: not a readable zarr store ({type(err).__name__}: {err}); "
                         f"check the path") from None
    meta: dict[str, Any] = {"format": "zarr"}
    if isinstance(node, zarr.Group) and "bioformats2raw.layout" in dict(node.attrs):
        node = _bioformats2raw(node, path, series)
        meta["series"] = int(str(node.path).rsplit("/", 1)[-1])  # which one: in the record
    elif series not in (None, 0):
        raise InputError(f"{path}: series={series!r} does not exist; this store holds one "
                         f"image: leave series out")
    scale: dict[str, float] = {}
    units: dict[str, str] = {}
    found = ""
    group: dict[str, Any] = {}  # the OME-Zarr image's attributes (its channel names)
    if isinstance(node, zarr.Group):
        attrs = dict(node.attrs)
        ms = _ome_multiscales(attrs)
        if ms:
            level, array = _first_level(node, ms, path)
            place = _ome_level(ms[0], level)
            found, scale, units, group = place.axes, place.scale, place.units, attrs
            meta.update(format="ome-zarr", ome_level=str(level["path"]))
            if place.translation:
                meta["translation"] = place.translation
        else:
            arrays = sorted(node.array_keys())
            if not arrays:
                groups = sorted(node.group_keys())
                raise InputError(f"{path}: zarr group holds no arrays"
                                 + (f", only the groups {groups[:5]}: open the array inside "
                                    f"one, e.g. {path}/{groups[0]}/<array>" if groups else
                                    "; check the path"))
            if len(arrays) != 1:
                raise InputError(f"{path}: zarr group holds {len(arrays)} arrays ({arrays[:5]}) "
                                 f"and no OME multiscales metadata; open the array itself, e.g. "
                                 f"{path}/{arrays[0]}")
            array = node[arrays[0]]
    else:
        array = node
        place = _level_of_parent(path)  # `image.ome.zarr/0`: the group's axes and position
        found, scale, units, group = place.axes, place.scale, place.units, place.group
        if place.translation:
            meta["translation"] = place.translation
    attrs = dict(array.attrs)
    if not found and isinstance(attrs.get("axes"), str):
        found = attrs["axes"].upper()
    if not found:  # zarr v3 dimension names, or xarray's in a v2 store
        names = getattr(getattr(array, "metadata", None), "dimension_names", None)
        found = axes_from_names(names or attrs.get("_ARRAY_DIMENSIONS") or []) or ""
    if isinstance(attrs.get("napari_sdap"), dict):
        saved = attrs["napari_sdap"]
        scale = scale or _mapping(saved.get("scale"))
        units = units or _mapping(saved.get("units"))
        colour = str(((saved.get("metadata") or {}).get("input") or {}).get("axes") or "")
        if (axes is None and colour.endswith("C") and colour != found
                and sorted(colour) == sorted(found)):  # a colour image napari-sdap stored in
            array, found = AxesView(array, found, colour), colour  # OME's order (C first)
    warn_missing_chunks(array, path)
    shape = tuple(int(s) for s in array.shape)
    ax = check_axes(found, axes, shape, path)
    names = omero_channels(group, channel_count(ax, shape)) if found == ax else None
    saved = attrs.get("napari_sdap")
    if isinstance(saved, dict) and "translation" not in meta and found == ax:  # a plain
        shift = clean_translation(_mapping(saved.get("translation")), ax.replace("C", ""),
                                  path)  # zarr napari-sdap wrote: where the image lies
        if shift:
            meta["translation"] = shift
    if names:  # (read with the image's own axes: given others, C may lie elsewhere)
        meta["channels"] = names
    colours = omero_channels(group, channel_count(ax, shape), True) if found == ax else None
    if colours:
        meta["colours"] = colours
    scale = {k: v for k, v in scale.items() if k in ax and k != "C"}
    scale, units = clean_physical(scale, {k: v for k, v in units.items() if k in scale}, path)
    return ImageSource(array, ax, scale, units, meta, path)


