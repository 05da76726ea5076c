"""Units of pixel sizes and time steps: the one table every reader and writer uses.

Names are those of OME-Zarr / NGFF (UDUNITS-2: `micrometer`, `second`); OME-TIFF stores symbols
(`µm`, `s`), ImageJ plain-ASCII symbols (`um`). Files spell units many ways (`micron`, `µm`,
`\\u00B5m`, `um`); `unit_name` maps every spelling met in practice onto the NGFF name.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OME_SYMBOLS", "TIME_UNITS", "imagej_unit", "unit_name"]

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
            "\\u00B5m": "micrometer", "um": "micrometer", "us": "microsecond", "sec": "second"}
_NAMES = {**{symbol: name for name, symbol in OME_SYMBOLS.items()}, **_ALIASES}


def unit_name(name: Any) -> str:
    """The NGFF name of a unit as a file spells it (unknown spellings come back unchanged)."""
    text = str(name).strip()
    return _NAMES.get(text, _NAMES.get(text.lower(), text))


def imagej_unit(name: str) -> str:
    """The unit as ImageJ stores it: the OME symbol in ASCII (`um` for micrometer)."""
    return OME_SYMBOLS.get(name, name).replace("µ", "u")
