"""Units of pixel sizes and time steps: the one table every reader and writer uses.

Names are those of OME-Zarr / NGFF (UDUNITS-2: `micrometer`, `second`); OME-TIFF stores symbols
(`µm`, `s`), ImageJ plain-ASCII symbols (`um`). Files spell units many ways (`micron`, `µm`,
`\\u00B5m`, `um`); `unit_name` maps every spelling met in practice onto the NGFF name.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OME_SYMBOLS", "TIME_UNITS", "convert", "imagej_unit", "unit_name"]

OME_SYMBOLS = {
    "angstrom": "Å", "picometer": "pm", "nanometer": "nm", "micrometer": "µm",
    "millimeter": "mm", "centimeter": "cm", "decimeter": "dm", "meter": "m",
    "kilometer": "km", "inch": "in", "foot": "ft", "yard": "yd", "mile": "mi",
    "nanosecond": "ns", "microsecond": "µs", "millisecond": "ms", "second": "s",
    "minute": "min", "hour": "h", "day": "d",
}
"""Units napari-sdap writes (NGFF names) and their OME-TIFF symbols."""

TIME_UNITS = frozenset({"nanosecond", "microsecond", "millisecond", "second", "minute", "hour",
                        "day"})

_ALIASES = {"micron": "micrometer", "microns": "micrometer", "micrometre": "micrometer",
            "\\u00B5m": "micrometer", "um": "micrometer", "us": "microsecond", "sec": "second",
            "\\u00C5": "angstrom", "A": "angstrom", "pixels": "pixel"}
_SIZES = {
    "angstrom": 1e-10, "picometer": 1e-12, "nanometer": 1e-9, "micrometer": 1e-6,
    "millimeter": 1e-3, "centimeter": 1e-2, "decimeter": 0.1, "meter": 1.0, "kilometer": 1e3,
    "inch": 0.0254, "foot": 0.3048, "yard": 0.9144, "mile": 1609.344,
    "nanosecond": 1e-9, "microsecond": 1e-6, "millisecond": 1e-3, "second": 1.0, "minute": 60.0,
    "hour": 3600.0, "day": 86400.0,
}
"""Each unit in metres (lengths) or seconds (times)."""
_NAMES = {**{symbol: name for name, symbol in OME_SYMBOLS.items()}, **_ALIASES}


def unit_name(name: Any) -> str:
    """The NGFF name of a unit as a file spells it (unknown spellings come back unchanged).
    The Greek letter mu (`μm`, U+03BC, which Unicode normalisation makes of the micro sign and
    some exporters write) is read as the micro sign (`µm`, U+00B5) of OME's symbols; ImageJ's
    `pixels` (its uncalibrated unit) is `pixel`, no unit."""
    text = str(name).strip().replace("\u03bc", "\u00b5")
    return _NAMES.get(text, _NAMES.get(text.lower(), text))


def imagej_unit(name: str) -> str:
    """The unit as ImageJ stores it, in ASCII: `um` for micrometer, ImageJ's own escape for
    angstrom, the OME symbol otherwise."""
    return OME_SYMBOLS.get(name, name).replace("µ", "u").replace("Å", "\\u00C5")


def convert(value: float, unit: str | None, to: str | None) -> float | None:
    """`value` in `unit` expressed in `to` (both NGFF names, both lengths or both times); the
    value itself when the units are equal or `unit` is None; None when they cannot be
    compared (unknown, or a length and a time)."""
    if unit is None or unit == to:
        return value
    a, b = _SIZES.get(unit), _SIZES.get(to or "")
    if a is None or b is None or ((unit in TIME_UNITS) != (to in TIME_UNITS)):
        return None
    return float(f"{value * a / b:.12g}")  # 500 nm is 0.5 um, not 0.5000000000000001
