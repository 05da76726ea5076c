"""Open image files lazily: TIFF / OME-TIFF / ImageJ TIFF, zarr (v2, v3), OME-Zarr, `.npy`;
and PNG / JPEG pictures.

`open_image` never loads pixel data: TIFFs are read through tifffile's zarr view (`aszarr`),
zarr arrays are returned as they are, `.npy` files are memory-mapped behind a dask array. Axes,
physical pixel sizes and units are read from the file where it has them. PNG and JPEG files
(single 2-D pictures, grey or colour, as FMD and camera data sets are shared) are decoded
whole by imagecodecs: their formats cannot be read in parts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.axes import axes_from_names
from napari_sdap.errors import InputError
from napari_sdap.io.axes_view import AxesView
from napari_sdap.io.physical import clean_physical
from napari_sdap.io.source import ImageSource, check_axes, mapped_array
from napari_sdap.io.tiff_reader import open_tiff

__all__ = ["IMAGE_SUFFIXES", "PICTURE_SUFFIXES", "TIFF_SUFFIXES", "ImageSource", "image_kind",
           "image_suffix", "in_zarr_store", "open_image", "path_kind", "series_count"]

TIFF_SUFFIXES = (".ome.tif", ".ome.tiff", ".tif", ".tiff")
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg")
_KINDS = {**dict.fromkeys(TIFF_SUFFIXES, "tiff"), ".ome.zarr": "ome-zarr", ".zarr": "zarr",
          ".npy": "npy", **dict.fromkeys(PICTURE_SUFFIXES, "picture")}
IMAGE_SUFFIXES = tuple(_KINDS)
"""File endings read as images, longest first (so `.ome.tif` wins over `.tif`)."""


def image_suffix(path: Any) -> str | None:
    """The image ending of a file name (`IMAGE_SUFFIXES`, lower case), None for any other."""
    name = str(path).lower().rstrip("/\\")
    return next((suffix for suffix in _KINDS if name.endswith(suffix)), None)


def path_kind(path: Any) -> str | None:
    """`tiff`, `ome-zarr`, `zarr`, `npy` or `picture` (PNG, JPEG) from a file name's ending;
    None for anything else."""
    suffix = image_suffix(path)
    return None if suffix is None else _KINDS[suffix]


def series_count(path: Any) -> int:
    """How many image series the file at `path` holds (1 for one image, and for any file that
    cannot be read: reading it names the problem)."""
    kind = path_kind(path)
    try:
        if kind == "tiff":
            import tifffile

            from napari_sdap.io.tiff_series import image_series

            with tifffile.TiffFile(path) as tif:
                return max(1, len(image_series(tif)))
        if kind in ("zarr", "ome-zarr"):
            import zarr

            node = zarr.open(str(path), mode="r")
            if isinstance(node, zarr.Group) and "bioformats2raw.layout" in dict(node.attrs):
                return max(1, sum(str(k).isdigit() for k in node.group_keys()))
    except Exception:
        return 1
    return 1


def in_zarr_store(path: Any) -> bool:
    """Whether `path` is an array or group inside a zarr store (`cells.zarr/raw`,
    `image.ome.zarr/0`): a folder with zarr metadata under a folder named `.zarr`."""
    p = Path(path)
    return (any(part.lower().endswith(".zarr") for part in p.parts[:-1]) and p.is_dir()
            and any((p / name).is_file() for name in ("zarr.json", ".zarray", ".zgroup")))


def image_kind(path: str | os.PathLike[str]) -> str:
    """The kind of `path_kind`, else raise `InputError`."""
    kind = path_kind(path)
    if kind is not None:
        return kind
    if in_zarr_store(path):
        return "zarr"
    raise InputError(f"{path}: unsupported file type; give a .tif/.tiff/.ome.tif, .zarr, "
                     f".ome.zarr, .npy, .png or .jpg file")


def _ome_multiscales(attrs: dict[str, Any]) -> list[dict[str, Any]] | None:
    ms = attrs.get("multiscales") or (attrs.get("ome") or {}).get("multiscales")
    return ms if isinstance(ms, list) and ms else None


def _mapping(value: Any) -> dict[str, Any]:
    return {str(k).upper(): v for k, v in value.items()} if isinstance(value, dict) else {}


def _bioformats2raw(node: Any, path: Path, series: int | None) -> Any:
    """Image `series` of a bioformats2raw layout (one OME-Zarr group per series, `0`, `1` ...);
    refuse several without a choice, as for multi-series TIFFs."""
    found = sorted(int(k) for k in node.group_keys() if str(k).isdigit())
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


def _open_zarr(path: Path, axes: str | None, series: int | None = None) -> ImageSource:
    import zarr

    try:
        node = zarr.open(str(path), mode="r")
    except Exception as err:
        raise InputError(f"{path}: not a readable zarr store ({type(err).__name__}: {err}); "
                         f"check the path") from None
    if isinstance(node, zarr.Group) and "bioformats2raw.layout" in dict(node.attrs):
        node = _bioformats2raw(node, path, series)
    elif series not in (None, 0):
        raise InputError(f"{path}: series={series!r} does not exist; this store holds one "
                         f"image: leave series out")
    meta: dict[str, Any] = {"format": "zarr"}
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


def _open_npy(path: Path, axes: str | None, series: int | None = None) -> ImageSource:
    if series not in (None, 0):
        raise InputError(f"{path}: series={series!r} does not exist; a .npy file holds one "
                         f"image: leave series out")

    try:
        mm = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as err:
        raise InputError(f"{path}: not a readable .npy array ({err}); check the file") from None
    if not isinstance(mm, np.ndarray) or mm.dtype.hasobject:
        raise InputError(f"{path}: holds no plain numeric array; save one with np.save")
    ax = check_axes("", axes, tuple(mm.shape), path)
    array, reader = mapped_array(mm, ax)
    return ImageSource(array, ax, {}, {}, {"format": "npy"}, path, reader=reader)


def _png_header(path: Path) -> tuple[int, int]:
    """(bit depth, colour type) of a PNG file (colour type 0: grey, 3: palette), else (0, -1)."""
    try:
        with open(path, "rb") as f:
            head = f.read(26)
    except OSError:
        return 0, -1
    if len(head) < 26 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return 0, -1
    return head[24], head[25]


def _open_picture(path: Path, axes: str | None, series: int | None = None) -> ImageSource:
    """A PNG or JPEG file, decoded whole; an alpha channel that is opaque everywhere is left
    out, one that varies is refused (it is not an intensity to denoise)."""
    import imagecodecs

    if series not in (None, 0):
        raise InputError(f"{path}: series={series!r} does not exist; a PNG or JPEG file holds "
                         f"one image: leave series out")
    try:
        data = np.asarray(imagecodecs.imread(str(path)))
    except Exception as err:
        raise InputError(f"{path}: not a readable PNG or JPEG picture ({type(err).__name__}: "
                         f"{err}); check the file") from None
    depth, colour = _png_header(path)
    if depth == 1 and colour in (0, 3):  # grey, or a palette of two colours
        raise InputError(f"{path}: a 1-bit (black and white) picture: a mask or a "
                         f"segmentation holds no grey levels to denoise; denoise the recorded "
                         f"image it was made from")
    if colour == 3 and data.ndim == 3 and all(np.array_equal(data[..., 0], data[..., c])
                                              for c in range(1, min(3, data.shape[-1]))):
        data = data[..., [0, 3]] if data.shape[-1] == 4 else data[..., 0]  # a grey palette
    if data.ndim == 3 and data.shape[-1] == 4 and path.suffix.lower() in (".jpg", ".jpeg"):
        raise InputError(f"{path}: a CMYK JPEG (four ink channels, no intensity to denoise); "
                         f"save it as RGB or grey first")
    if data.ndim == 3 and data.shape[-1] in (2, 4):
        opaque = np.iinfo(data.dtype).max if data.dtype.kind in "ui" else 1.0
        if np.any(data[..., -1] != opaque):
            raise InputError(f"{path}: the picture has a transparency (alpha) channel that "
                             f"varies; save it without transparency (as grey or RGB) first")
        data = data[..., :-1] if data.shape[-1] == 4 else data[..., 0]
    found = {2: "YX", 3: "YXC" if data.shape[-1] == 3 else ""}.get(data.ndim, "")
    ax = check_axes(found, axes, tuple(data.shape), path)
    meta = {"format": path.suffix.lower().lstrip(".")}
    return ImageSource(mapped_array(data, ax)[0], ax, {}, {}, meta, path)


def open_image(path: str | os.PathLike[str], axes: str | None = None, *,
               series: int | None = None) -> ImageSource:
    """Open an image file lazily.

    Parameters
    ----------
    path : str or PathLike
        A `.tif/.tiff/.ome.tif`, `.zarr` (v2 or v3 array, or a group with one array),
        `.ome.zarr` (level 0 is used) or `.npy` file, or a `.png` / `.jpg` picture (grey or
        colour; read whole).
    axes : str, optional
        Axes letters (`STCZYX`) overriding what the file says.
    series : int, optional
        Which image series to read from a file holding several (multi-image OME-TIFF, TIFF
        with stacks of different shapes, bioformats2raw OME-Zarr). Such a file is refused
        without it; the error lists the series. Pyramid levels and thumbnails do not count.

    Returns
    -------
    ImageSource
        Lazy array, axes, physical scale, units and metadata. Close it (or use it as a context
        manager) to release TIFF file handles.

    Raises
    ------
    InputError
        Missing, corrupt or unsupported file. `AxesError` when the axes are unknown or wrong.
    """
    p = Path(path).expanduser()
    kind = image_kind(p)
    if not p.exists():
        raise InputError(f"{p}: no such file or folder; check the path")
    opener = {"tiff": open_tiff, "zarr": _open_zarr, "ome-zarr": _open_zarr, "npy": _open_npy,
              "picture": _open_picture}
    src = opener[kind](p, axes, series)
    if 0 in src.shape:
        src.close()
        raise InputError(f"{p}: the image is empty (shape {src.shape})")
    src.metadata.setdefault("source", str(p))
    json.dumps(src.metadata, default=str)  # metadata must stay serialisable
    return src
