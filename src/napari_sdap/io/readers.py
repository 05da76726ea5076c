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

from napari_sdap.errors import InputError
from napari_sdap.io.picture_checks import decode_error, jpeg_cut, other_format
from napari_sdap.io.source import ImageSource, check_axes, mapped_array
from napari_sdap.io.tiff_reader import open_tiff
from napari_sdap.io.zarr_reader import open_zarr, store_series
from napari_sdap.kinds import is_whole
from napari_sdap.paths import zarr_node

__all__ = ["IMAGE_SUFFIXES", "PICTURE_SUFFIXES", "TIFF_SUFFIXES", "ImageSource", "image_kind",
           "image_name", "image_suffix", "in_zarr_store", "open_image", "path_kind",
           "series_count"]

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

            return max(1, len(store_series(zarr.open(str(path), mode="r"))))
    except Exception:
        return 1
    return 1


def in_zarr_store(path: Any) -> bool:
    """Whether `path` is an array or group inside a zarr store (`cells.zarr/raw`,
    `image.ome.zarr/0`): a folder with zarr metadata under a folder named `.zarr`."""
    p = Path(path)
    return (any(part.lower().endswith(".zarr") for part in p.parts[:-1]) and p.is_dir()
            and zarr_node(p))


def image_name(path: Any, series: Any = None) -> str:
    """How a training record names the image read from `path`: the file's name; for an array
    or group inside a zarr store, the store's name and the path inside it
    (`plate.zarr/A1/raw`: by its last part alone, every well's `raw` had one name); with the
    `series` of a file holding several, `cells.ome.tif series 2`."""
    p = Path(path)
    name = p.name
    if in_zarr_store(p):
        at = max(i for i, part in enumerate(p.parts[:-1]) if part.lower().endswith(".zarr"))
        name = "/".join(p.parts[at:])
    return name if series is None else f"{name} series {series}"


def image_kind(path: str | os.PathLike[str]) -> str:
    """The kind of `path_kind`, else raise `InputError`."""
    kind = path_kind(path)
    if kind is not None:
        return kind
    if in_zarr_store(path):
        return "zarr"
    if Path(path).is_dir():  # (a zarr store is a folder too, but named .zarr)
        raise InputError(f"{path} is a folder, not an image: give one image file in it (.tif, "
                         f".ome.tif, .npy, .png or .jpg) or a .zarr / .ome.zarr store")
    raise InputError(f"{path}: unsupported file type; give a .tif/.tiff/.ome.tif, .zarr, "
                     f".ome.zarr, .npy, .png or .jpg file")


def _check_npy_header(path: Path) -> None:
    """Refuse a file named .npy that does not start with NumPy's header: `np.load` takes any
    such file for a pickle and says to load it with `allow_pickle=True` (running what it holds),
    and an empty one ended in a raw `EOFError`."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return  # np.load names the cause
    if head.startswith(b"\x93NUMPY"):
        return
    other = other_format(head)
    why = (f"it is a {other[0]} file named like a .npy array; rename it to end in {other[1]}"
           if other else "it is empty" if not head else
           "it does not start with NumPy's .npy header: truncated, corrupted, or another kind "
           "of file; save the array with numpy.save")
    raise InputError(f"{path}: not a readable .npy array ({why}); check the file")


def _open_npy(path: Path, axes: str | None, series: int | None = None) -> ImageSource:
    if series not in (None, 0):
        raise InputError(f"{path}: series={series!r} does not exist; a .npy file holds one "
                         f"image: leave series out")

    _check_npy_header(path)
    try:
        mm = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
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
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read the file ({err.strerror or err}); check the "
                         f"path and its permissions") from None
    other = other_format(raw)
    if other is not None:
        raise InputError(f"{path}: the file is a {other[0]} file named like a picture "
                         f"({path.suffix}), which would be read as one picture (of a TIFF "
                         f"stack, its first plane alone); rename it to end in {other[1]}")
    try:
        data = np.asarray(imagecodecs.imread(raw))
    except Exception as err:
        raise InputError(f"{path}: not a readable PNG or JPEG picture "
                         f"({decode_error(err, path.suffix)}); check the file") from None
    if jpeg_cut(raw):
        raise InputError(f"{path}: the JPEG file is truncated (its image data has no end "
                         f"marker; the decoder would fill the missing rows with grey); copy "
                         f"or download it again")
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
    p = Path(os.fsdecode(path) if isinstance(path, bytes) else path).expanduser()  # (bytes: a
    # raw TypeError before; os.listdir(b'.') gives them)
    try:
        found = p.exists()
    except OSError as err:  # (stat raises for a name over the file system's 255 bytes, or a
        # folder of the path that cannot be searched: a raw OSError before)
        raise InputError(f"{p}: cannot be looked up ({err.strerror}); check the path (a file "
                         f"or folder name holds at most 255 bytes) and that its folders can "
                         f"be read") from None
    kind = image_kind(p)
    if not found:
        raise InputError(f"{p}: no such file or folder; check the path")
    if not (p.is_file() or p.is_dir()):  # reading a named pipe waits for a writer, forever
        raise InputError(f"{p}: not a regular file (a named pipe, device or socket); save the "
                         f"image to a file and give that")
    opener = {"tiff": open_tiff, "zarr": open_zarr, "ome-zarr": open_zarr, "npy": _open_npy,
              "picture": _open_picture}
    if series is not None:  # (np.int64 from np.arange is one; 0.0 "did not exist")
        if not is_whole(series):
            raise InputError(f"series must be a whole number, the series' index (0 for the "
                             f"first), or None (got {series!r}); e.g. series=0")
        series = int(series)
    src = opener[kind](p, axes, series)
    if 0 in src.shape:
        src.close()
        raise InputError(f"{p}: the image is empty (shape {src.shape})")
    src.metadata.setdefault("source", str(p))
    json.dumps(src.metadata, default=str)  # metadata must stay serialisable
    return src
