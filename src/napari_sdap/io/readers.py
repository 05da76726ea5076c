"""Open image files lazily: TIFF / OME-TIFF / ImageJ TIFF, zarr (v2, v3), OME-Zarr, `.npy`.

`open_image` never loads pixel data: TIFFs are read through tifffile's zarr view (`aszarr`),
zarr arrays are returned as they are, `.npy` files are memory-mapped behind a dask array. Axes,
physical pixel sizes and units are read from the file where it has them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.axes import AXES_LETTERS, default_axes, validate_axes
from napari_sdap.errors import AxesError, InputError

__all__ = ["TIFF_SUFFIXES", "ImageSource", "image_kind", "open_image"]

TIFF_SUFFIXES = (".ome.tif", ".ome.tiff", ".tif", ".tiff")
_TIFF_AXES = {"S": "C", "E": "C", "I": "S", "Q": "S", "R": "S"}
"""tifffile axis letters -> ours (tifffile S = colour samples, I = image sequence, Q = unknown)."""
_INCH_CM = {2: ("inch", 25400.0), 3: ("centimeter", 10000.0)}
_UNIT_NAMES = {"micron": "micrometer", "\\u00B5m": "micrometer", "µm": "micrometer",
               "um": "micrometer", "nm": "nanometer", "mm": "millimeter", "cm": "centimeter",
               "m": "meter", "s": "second", "sec": "second", "ms": "millisecond"}


@dataclass
class ImageSource:
    """A lazily opened image and what the file says about it."""

    array: Any
    """Lazy, numpy-indexable array (zarr or dask); never loaded whole."""
    axes: str
    scale: dict[str, float] = field(default_factory=dict)
    """Physical size of one pixel (or step) per axis letter, in `units`."""
    units: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    """ImageJ/OME details worth carrying to the output (JSON-serialisable)."""
    path: Path | None = None
    _closers: list[Any] = field(default_factory=list, repr=False)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.array.dtype)

    def close(self) -> None:
        """Close the file handles behind `array` (TIFF); harmless to call twice."""
        while self._closers:
            self._closers.pop().close()

    def __enter__(self) -> ImageSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def image_kind(path: str | os.PathLike[str]) -> str:
    """`tiff`, `ome-zarr`, `zarr` or `npy` from the file name, else raise `InputError`."""
    name = str(path).lower().rstrip("/\\")
    if name.endswith(TIFF_SUFFIXES):
        return "tiff"
    if name.endswith(".ome.zarr"):
        return "ome-zarr"
    if name.endswith(".zarr"):
        return "zarr"
    if name.endswith(".npy"):
        return "npy"
    raise InputError(f"{path}: unsupported file type; give a .tif/.tiff/.ome.tif, .zarr, "
                     f".ome.zarr or .npy file")


def _unit(name: Any) -> str:
    text = str(name).strip()
    return _UNIT_NAMES.get(text, _UNIT_NAMES.get(text.lower(), text))


def _check_axes(found: str, given: str | None, shape: tuple[int, ...], path: Path) -> str:
    if given is not None:
        return validate_axes(given, shape)
    if found and set(found) <= set(AXES_LETTERS) and len(set(found)) == len(found):
        try:
            return validate_axes(found, shape)
        except AxesError:
            pass
    try:
        return default_axes(shape)
    except AxesError:
        raise AxesError(f"{path}: cannot tell the axes of this {len(shape)}-D image "
                        f"(shape {shape}, file says {found or 'nothing'!r}); "
                        f"pass axes=, e.g. 'TZYX'") from None


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
                    units[letter] = _unit(pixels.get(f"PhysicalSize{letter}Unit", "µm"))
        except (KeyError, TypeError, ValueError, IndexError):
            pass
    if unit:
        for letter in "XYZ":
            if letter in scale and letter not in units:
                units[letter] = _unit(unit)
    return ({k: float(v) for k, v in scale.items() if k in axes},
            {k: v for k, v in units.items() if k in axes}, meta)


def _open_tiff(path: Path, axes: str | None) -> ImageSource:
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
        ax = _check_axes(found, axes, shape, path)
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


def _ome_multiscales(attrs: dict[str, Any]) -> list[dict[str, Any]] | None:
    ms = attrs.get("multiscales") or (attrs.get("ome") or {}).get("multiscales")
    return ms if isinstance(ms, list) and ms else None


def _open_zarr(path: Path, axes: str | None) -> ImageSource:
    import zarr

    try:
        node = zarr.open(str(path), mode="r")
    except Exception as err:
        raise InputError(f"{path}: not a readable zarr store ({type(err).__name__}: {err}); "
                         f"check the path") from None
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
            names = [a["name"] if isinstance(a, dict) else a for a in ms[0].get("axes", [])]
            found = "".join(str(n).upper()[:1] for n in names)
            for t in level.get("coordinateTransformations", []):
                if t.get("type") == "scale" and len(t["scale"]) == len(names):
                    scale = {str(n).upper(): float(s) for n, s in zip(names, t["scale"],
                                                                       strict=True)}
            for a in ms[0].get("axes", []):
                if isinstance(a, dict) and a.get("unit"):
                    units[str(a["name"]).upper()] = str(a["unit"])
            meta.update(format="ome-zarr", ome_level=str(level["path"]))
        else:
            arrays = list(node.array_keys())
            if len(arrays) != 1:
                raise InputError(f"{path}: zarr group holds {len(arrays)} arrays ({arrays[:5]}) "
                                 f"and no OME multiscales metadata; open the array itself, e.g. "
                                 f"{path}/{arrays[0] if arrays else '0'}")
            array = node[arrays[0]]
    else:
        array = node
    attrs = dict(array.attrs)
    if not found and isinstance(attrs.get("axes"), str):
        found = attrs["axes"].upper()
    if isinstance(attrs.get("napari_sdap"), dict):
        saved = attrs["napari_sdap"]
        scale = scale or dict(saved.get("scale", {}))
        units = units or dict(saved.get("units", {}))
    shape = tuple(int(s) for s in array.shape)
    ax = _check_axes(found, axes, shape, path)
    scale = {k: v for k, v in scale.items() if k in ax and k != "C"}
    units = {k: v for k, v in units.items() if k in ax}
    return ImageSource(array, ax, scale, units, meta, path)


def _open_npy(path: Path, axes: str | None) -> ImageSource:
    import dask.array as da

    try:
        mm = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as err:
        raise InputError(f"{path}: not a readable .npy array ({err}); check the file") from None
    if not isinstance(mm, np.ndarray) or mm.dtype.hasobject:
        raise InputError(f"{path}: holds no plain numeric array; save one with np.save")
    ax = _check_axes("", axes, tuple(mm.shape), path)
    array = da.from_array(mm, chunks=_npy_chunks(mm.shape, ax), asarray=False)
    return ImageSource(array, ax, {}, {}, {"format": "npy"}, path)


def _npy_chunks(shape: tuple[int, ...], axes: str) -> tuple[int, ...]:
    return tuple(min(s, 1024) if a in "YX" else (s if a == "C" else 1)
                 for s, a in zip(shape, axes, strict=True))


def open_image(path: str | os.PathLike[str], axes: str | None = None) -> ImageSource:
    """Open an image file lazily.

    Parameters
    ----------
    path : str or PathLike
        A `.tif/.tiff/.ome.tif`, `.zarr` (v2 or v3 array, or a group with one array),
        `.ome.zarr` (level 0 is used) or `.npy` file.
    axes : str, optional
        Axes letters (`STCZYX`) overriding what the file says.

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
    opener = {"tiff": _open_tiff, "zarr": _open_zarr, "ome-zarr": _open_zarr, "npy": _open_npy}
    src = opener[kind](p, axes)
    if 0 in src.shape:
        src.close()
        raise InputError(f"{p}: the image is empty (shape {src.shape})")
    src.metadata.setdefault("source", str(p))
    json.dumps(src.metadata, default=str)  # metadata must stay serialisable
    return src
