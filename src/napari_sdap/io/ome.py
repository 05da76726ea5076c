"""OME-Zarr (NGFF) output: one full-resolution level ``0`` with axes, units and pixel sizes.

Metadata is written by the `ome-zarr` library (format of its current version, 0.5 = zarr v3).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.errors import OutputError

__all__ = ["NGFF_ORDER", "write_ome_group"]

log = logging.getLogger(__name__)

NGFF_ORDER = "TCZYX"
_TYPES = {"T": "time", "C": "channel", "Z": "space", "Y": "space", "X": "space"}


def _check_axes(axes: str) -> None:
    order = [NGFF_ORDER.index(a) for a in axes if a in NGFF_ORDER]
    if len(order) != len(axes) or order != sorted(order):
        raise OutputError(
            f"OME-Zarr needs axes in the order {NGFF_ORDER} (a subset of it), but the image axes "
            f"are {axes!r}; write a .zarr or .tif output instead, or transpose the image first")


def write_ome_group(path: Path, shape: tuple[int, ...], dtype: np.dtype, chunks: tuple[int, ...],
                    axes: str, scale: dict[str, float], units: dict[str, str],
                    attrs: dict[str, Any]) -> Any:
    """Create an OME-Zarr group at `path` with an empty level-0 array; return that array."""
    import zarr

    _check_axes(axes)
    try:
        from ome_zarr.format import CurrentFormat
        from ome_zarr.writer import write_multiscales_metadata
    except ImportError:
        raise OutputError("writing .ome.zarr needs the ome-zarr package; install it with "
                          "pip install 'napari-sdap[ome]', or write a .zarr or .tif") from None
    fmt = CurrentFormat()
    group = zarr.open_group(str(path), mode="w-", zarr_format=fmt.zarr_format)
    array = group.create_array("0", shape=shape, dtype=dtype, chunks=chunks, fill_value=0,
                               attributes=attrs, dimension_names=[a.lower() for a in axes])
    names = [{"name": a.lower(), "type": _TYPES[a]} for a in axes]
    datasets = [{"path": "0", "coordinateTransformations": [
        {"type": "scale", "scale": [float(scale.get(a, 1.0)) for a in axes]}]}]
    axes_units = {a.lower(): u for a, u in units.items() if a in axes and a != "C"}
    try:
        write_multiscales_metadata(group, datasets, fmt, axes=names, axes_units=axes_units,
                                   name=path.name)
    except ValueError as err:  # unit ome-zarr does not know: keep the sizes, drop the units
        log.warning("OME-Zarr units %s not accepted (%s); writing without units", units, err)
        write_multiscales_metadata(group, datasets, fmt, axes=names, name=path.name)
    group.attrs["napari_sdap"] = attrs["napari_sdap"]
    return array
