"""Checking physical pixel sizes and units before they are computed with or written.

Files carry pixel sizes that cannot be written back (NaN, inf, 0, negative, 1e-300 from a
broken exporter) and units no format knows. They are dropped here, with a logged warning, so
an output is written with valid metadata or without it, never failing at the end of a run or
putting NaN into a `zarr.json`.
"""

from __future__ import annotations

import logging
import math
import numbers
from typing import Any

from napari_sdap.io.units import OME_SYMBOLS, TIME_UNITS, unit_name

__all__ = ["SIZE_RANGE", "clean_physical", "clean_translation", "json_safe"]

log = logging.getLogger(__name__)

SIZE_RANGE = (1e-9, 1e9)
"""Pixel sizes (and time steps) kept: positive, finite and within this range of the unit."""



def _size(value: Any) -> float | None:
    try:
        size = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(size) or not SIZE_RANGE[0] <= size <= SIZE_RANGE[1]:
        return None
    return size


def clean_physical(scale: dict[str, Any] | None, units: dict[str, Any] | None,
                   where: Any = "image") -> tuple[dict[str, float], dict[str, str]]:
    """Pixel sizes and units that can be written, with a warning for each one dropped.

    A size must be a finite number in `SIZE_RANGE` (so NaN, inf, 0, negatives and 1e-300 go).
    A unit must be one of `OME_SYMBOLS` (after `unit_name` normalises spellings such as `µm`,
    `micron`, `um`); a time unit on a space axis or the reverse also goes. Where a unit goes,
    its size goes with it: a number without its unit would be read as micrometres.
    """
    sizes: dict[str, float] = {}
    for axis, value in (scale or {}).items():
        size = _size(value)
        if size is None:
            log.warning("%s: pixel size %s=%r is not a positive finite number within %g..%g; "
                        "it is dropped (read and written without it)",
                        where, axis, value, *SIZE_RANGE)
        else:
            sizes[str(axis)] = size
    names: dict[str, str] = {}
    for axis, value in (units or {}).items():
        name = unit_name(value) if isinstance(value, str) else None
        if name not in OME_SYMBOLS or (name in TIME_UNITS) != (axis == "T"):
            log.warning("%s: unit %s=%r is not a known %s unit; the unit and its pixel size "
                        "are dropped", where, axis, value, "time" if axis == "T" else "length")
            sizes.pop(str(axis), None)
            continue
        names[str(axis)] = name
    return sizes, {a: u for a, u in names.items() if a in sizes}


def clean_translation(translation: dict[str, Any] | None, axes: str,
                      where: Any = "image") -> dict[str, float] | None:
    """Where the image lies (per axis letter of `axes`) that can be written: finite real
    numbers (numpy's too; not bools); others are dropped with a warning, as pixel sizes are
    (NaN went into a zarr.json and an ImageJ origin, a text failed the writer after the run)."""
    if not translation:
        return translation
    kept: dict[str, float] = {}
    for axis, value in translation.items():
        real = isinstance(value, numbers.Real) and not isinstance(value, bool) \
            and type(value).__name__ != "bool_"
        if axis in axes and real and math.isfinite(float(value)):
            kept[str(axis)] = float(value)
        elif axis in axes:
            log.warning("%s: position %s=%r is not a finite number; it is dropped (written at "
                        "0)", where, axis, value)
    return kept


def json_safe(value: Any) -> Any:
    """`value` with every NaN or infinite float replaced by None (JSON has no NaN)."""
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return value if math.isfinite(float(value)) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value
