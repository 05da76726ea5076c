"""Reading zarr arrays and OME-Zarr images: axes, pixel sizes, units and where they lie.

A zarr path may be an array, a group holding one array, an OME-Zarr image (its multiscales
metadata gives level 0, its axes, sizes and translation), a bioformats2raw store of several
image series, or an array inside a store (`image.ome.zarr/0`, which takes the group's axes).
Axes otherwise come from napari-sdap's own attributes, zarr v3 `dimension_names` or xarray's
`_ARRAY_DIMENSIONS`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from napari_sdap.axes import axes_from_names
from napari_sdap.errors import InputError
from napari_sdap.io.axes_view import AxesView
from napari_sdap.io.physical import clean_physical
from napari_sdap.io.source import ImageSource, check_axes

__all__ = ["open_zarr", "store_series"]


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
    listing = "; ".join(f"series {k}: {path / str(k)}" for k in found)
    if series is None and len(found) > 1:
        raise InputError(f"{path}: the store holds {len(found)} image series ({listing}); only "
                         f"one is read at a time: choose it with series=N "
                         f"(napari_sdap.open_image(path, series=N); CLI: --series N)")
    pick = found[0] if series is None and found else series
    if pick not in found:
        raise InputError(f"{path}: series={series!r} does not exist; the store has series "
                         f"{found}; give one of them")
    return node[str(pick)]


def _ome_level(ms: dict[str, Any], level: dict[str, Any]
               ) -> tuple[str, dict[str, float], dict[str, str]]:
    """(axes, scale, units) of one level (`datasets` entry) of an OME multiscales entry."""
    names = [a["name"] if isinstance(a, dict) else a for a in ms.get("axes", [])]
    found = "".join(str(n).upper()[:1] for n in names)
    scale: dict[str, float] = {}
    for t in level.get("coordinateTransformations", []):
        if t.get("type") == "scale" and len(t.get("scale") or []) == len(names):
            scale = {str(n).upper(): s for n, s in zip(names, t["scale"], strict=True)}
    units = {str(a["name"]).upper(): str(a["unit"]) for a in ms.get("axes", [])
             if isinstance(a, dict) and a.get("unit")}
    return found, scale, units


def _translation(level: dict[str, Any], names: str) -> dict[str, float]:
    """Where an OME-Zarr level lies (its `translation` transform, per axis; zeros left out)."""
    for t in level.get("coordinateTransformations", []):
        shift = t.get("translation") if isinstance(t, dict) else None
        if t.get("type") == "translation" and isinstance(shift, list) and len(shift) == len(
                names):
            return {n: float(v) for n, v in zip(names, shift, strict=True)
                    if isinstance(v, int | float) and math.isfinite(v) and v != 0}
    return {}


def _level_of_parent(path: Path) -> tuple[str, dict[str, float], dict[str, str]]:
    """(axes, scale, units) of the array at `path` where it is a level of the OME-Zarr group
    around it (opened on its own, it has neither); empty where it is not."""
    import zarr

    try:
        parent = zarr.open_group(str(path.parent), mode="r")
        ms = _ome_multiscales(dict(parent.attrs)) or []
    except Exception:  # not a group, or not readable: the array alone
        return "", {}, {}
    for entry in ms:
        for level in entry.get("datasets", []) if isinstance(entry, dict) else []:
            if isinstance(level, dict) and str(level.get("path")) == path.name:
                return _ome_level(entry, level)
    return "", {}, {}


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
    if isinstance(node, zarr.Group):
        attrs = dict(node.attrs)
        ms = _ome_multiscales(attrs)
        if ms:
            level = ms[0]["datasets"][0]
            array = node[level["path"]]
            found, scale, units = _ome_level(ms[0], level)
            meta.update(format="ome-zarr", ome_level=str(level["path"]))
            if shift := _translation(level, found):
                meta["translation"] = shift
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
        found, scale, units = _level_of_parent(path)  # `image.ome.zarr/0`: the group's axes
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
    shape = tuple(int(s) for s in array.shape)
    ax = check_axes(found, axes, shape, path)
    scale = {k: v for k, v in scale.items() if k in ax and k != "C"}
    scale, units = clean_physical(scale, {k: v for k, v in units.items() if k in scale}, path)
    return ImageSource(array, ax, scale, units, meta, path)


