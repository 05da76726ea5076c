"""`ImageSource`: a lazily opened image with its axes, pixel sizes, units and metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.axes import AXES_LETTERS, default_axes, validate_axes
from napari_sdap.errors import AxesError

__all__ = ["ImageSource", "check_axes"]

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


def check_axes(found: str, given: str | None, shape: tuple[int, ...], path: Path) -> str:
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
