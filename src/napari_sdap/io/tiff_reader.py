"""Lazy TIFF reading (tifffile `aszarr`) with ImageJ / OME axes, pixel sizes and units.

One image series is read: a file holding several (OME-TIFF with several images, multi-page
TIFF with pages of different shapes) is refused unless `series=` chooses one; reduced-resolution
pyramid levels and thumbnails do not count (see `io.tiff_series`).
"""

from __future__ import annotations

from pathlib import Path

from napari_sdap.errors import AxesError, InputError
from napari_sdap.io.source import ImageSource, check_axes
from napari_sdap.io.tiff_meta import tiff_scale
from napari_sdap.io.tiff_series import check_codecs, check_tiff_complete, choose_series, tiff_axes

__all__ = ["check_tiff_complete", "open_tiff"]

def open_tiff(path: Path, axes: str | None, series: int | None = None) -> ImageSource:
    import tifffile
    import zarr

    try:
        tif = tifffile.TiffFile(path)
    except (tifffile.TiffFileError, ValueError, OSError) as err:
        raise InputError(f"{path}: not a readable TIFF file ({err}); check the file") from None
    try:
        index = choose_series(tif, series, path)
        chosen = tif.series[index]
        check_tiff_complete(tif, chosen, path)
        check_codecs(chosen, path)
        store = chosen.aszarr(level=0)
        array = zarr.open_array(store, mode="r")
        found = tiff_axes(chosen.axes)
        shape = tuple(int(s) for s in array.shape)
        ax = check_axes(found, axes, shape, path)
        scale, units, meta = tiff_scale(tif, chosen, index, ax, path)
    except (InputError, AxesError):
        tif.close()
        raise
    except Exception as err:
        tif.close()
        raise InputError(f"{path}: could not read the TIFF image data ({err}); "
                         f"check that the file is complete") from None
    return ImageSource(array, ax, scale, units, meta, path, [tif])
