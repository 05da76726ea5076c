"""Lazy TIFF reading with ImageJ / OME axes, pixel sizes and units.

Image data stored uncompressed in one piece (as ImageJ and most acquisition software write it)
is memory-mapped, read-only, and read in chunks of at most 1024 x 1024 per plane; anything else
through tifffile's `aszarr`, one chunk per stored strip or tile. (Through `aszarr`, a plane
stored as one strip is one chunk: every training patch or tile window read the whole plane,
and training on an 8192² single-strip TIFF took 3.5x as long as on the same array in memory.)

One image series is read: a file holding several (OME-TIFF with several images, multi-page
TIFF with pages of different shapes) is refused unless `series=` chooses one; reduced-resolution
pyramid levels and thumbnails do not count (see `io.tiff_series`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from napari_sdap.errors import AxesError, InputError
from napari_sdap.io.axes_view import AxesView
from napari_sdap.io.source import ImageSource, check_axes, mapped_array
from napari_sdap.io.tiff_meta import tiff_scale
from napari_sdap.io.tiff_series import check_series, choose_series, tiff_axes

__all__ = ["open_tiff"]

_OTHERS = ((b"\x89PNG", "PNG picture", ".png"), (b"\xff\xd8\xff", "JPEG picture", ".jpg"),
           (b"\x93NUMPY", "NumPy array file", ".npy"))
"""First bytes of the files napari-sdap reads otherwise, which a TIFF name hid: tifffile's
words ("not a TIFF file: header=b'\\x89PNG'") named no fix."""


def _other_format(path: Path) -> tuple[str, str] | None:
    """(kind, ending) of a file named like a TIFF that holds a format read otherwise."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return None
    return next(((kind, end) for magic, kind, end in _OTHERS if head.startswith(magic)), None)


def open_tiff(path: Path, axes: str | None, series: int | None = None) -> ImageSource:
    import tifffile
    import zarr

    try:
        tif = tifffile.TiffFile(path)
    except (tifffile.TiffFileError, ValueError, OSError) as err:
        other = _other_format(path)
        why = (f"it is a {other[0]} named like a TIFF; rename it to end in {other[1]}" if other
               else err)
        raise InputError(f"{path}: not a readable TIFF file ({why}); check the file") from None
    try:
        index = choose_series(tif, series, path)
        chosen = tif.series[index]
        _check_once(tif, chosen, path, index)
        store = chosen.aszarr(level=0)
        array = zarr.open_array(store, mode="r")
        found = tiff_axes(chosen.axes)
        colour = _planar_alpha(chosen, found) if axes is None else None
        if colour:  # RGBA stored plane by plane: seen as RGBA (alpha passes through)
            array, found = AxesView(array, found, colour), colour
        shape = tuple(int(s) for s in array.shape)
        ax = check_axes(found, axes, shape, path)
        array, reader = (array, None) if colour else _mapped(path, index, array, ax)
        scale, units, meta = tiff_scale(tif, chosen, index, ax, path)
    except (InputError, AxesError):
        tif.close()
        raise
    except Exception as err:
        tif.close()
        raise InputError(f"{path}: could not read the TIFF image data ({err}); "
                         f"check that the file is complete") from None
    return ImageSource(array, ax, scale, units, meta, path, [tif], reader=reader)


def _planar_alpha(series: Any, found: str) -> str | None:
    """`found` with C last where the series is RGB plus alpha stored plane by plane (planar
    configuration 2: tifffile reads its samples first, `SYX`), else None. Read in the file's
    order, alpha would be denoised as a fourth channel; colour last, it is RGBA (`api.alpha`)."""
    page = series.keyframe
    if ("C" not in found or found.endswith("C") or int(page.photometric) != 2
            or int(page.planarconfig) != 2 or int(page.samplesperpixel) != 4
            or not any(int(e) in (1, 2) for e in page.extrasamples or ())):
        return None
    return found.replace("C", "") + "C"


_CHECKED: OrderedDict[tuple[Any, ...], None] = OrderedDict()
"""Series whose pages passed `check_series` in this process, by file (path, size, inode,
modification and change times) and series: the checks visit every page (1.3 s for 20 000
pages), and one run of the CLI opens its input four times. A file changed since has a new key."""
_REMEMBERED = 256
_LOCK = threading.Lock()


def _check_once(tif: Any, series: Any, path: Path, index: int) -> None:
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, index)
    with _LOCK:
        if key in _CHECKED:
            return
    check_series(tif, series, path)
    with _LOCK:
        _CHECKED[key] = None
        while len(_CHECKED) > _REMEMBERED:
            _CHECKED.popitem(last=False)


def _mapped(path: Path, index: int, array: Any, axes: str) -> tuple[Any, Any]:
    """Series `index` memory-mapped read-only (`source.mapped_array`: a dask array and its
    reader) where its data lie uncompressed in one piece of the file and match `array`
    (tifffile's zarr view); else (`array`, None). Big-endian data is read in the machine's
    byte order, as the zarr view reads it."""
    import tifffile

    try:
        mm = tifffile.memmap(path, series=index, level=0, mode="r")
    except Exception:  # compressed, tiled, scattered pages, truncated: not mappable
        return array, None
    if tuple(mm.shape) != tuple(array.shape) or mm.dtype.newbyteorder("=") != array.dtype:
        return array, None
    return mapped_array(mm, axes)
