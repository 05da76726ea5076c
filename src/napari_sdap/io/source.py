"""`ImageSource`: a lazily opened image with its axes, pixel sizes, units and metadata."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.axes import AXES_LETTERS, default_axes, validate_axes
from napari_sdap.errors import AxesError, InputError

__all__ = ["ImageSource", "MappedFile", "check_axes", "mapped_array"]

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
    reader: Any = field(default=None, repr=False)
    """The same pixels through a faster numpy-indexable reader (a memory-mapped file), which
    training and denoising read windows from; None: `array` itself. (Each read through a dask
    array costs about 2 ms of graph work, 100x a read of the mapped file, and 15 % of the
    training time of a 2048² TIFF.)"""

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.array.dtype)

    def close(self) -> None:
        """Close the file handles behind `array` and unmap a memory-mapped file, so that the
        file can be moved or deleted (Windows refuses that while it is open or mapped); harmless
        to call twice. A later read through `array` or `reader` opens the file again."""
        if isinstance(self.reader, MappedFile):
            self.reader.close()
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


class MappedFile:
    """A read-only memory-mapped array (`np.memmap`) read as `dtype` (default: its own in the
    machine's byte order): numpy-indexable, no `copy` (dask copies an array that has one,
    reading the whole file into memory), and pickled as its file's name and layout rather than
    its data. `close()` unmaps the file; the next read maps it again."""

    def __init__(self, mm: np.memmap, dtype: Any = None) -> None:
        self._mm: np.memmap | None = mm
        self.shape, self.ndim = tuple(mm.shape), mm.ndim
        self.dtype = np.dtype(mm.dtype.newbyteorder("=") if dtype is None else dtype)
        order = "F" if mm.flags.f_contiguous and not mm.flags.c_contiguous else "C"
        self._layout = (str(mm.filename), mm.dtype.str, self.shape, int(mm.offset), order,
                        self.dtype.str)
        self._lock = threading.Lock()

    @property
    def filename(self) -> str:
        """The mapped file (`io.locate` finds the input by it)."""
        return self._layout[0]

    @property
    def is_mapped(self) -> bool:
        """Whether the file is mapped now (False after `close()` until the next read)."""
        return self._mm is not None

    def _map(self) -> np.memmap:
        with self._lock:
            if self._mm is None:
                try:
                    self._mm = _memmap(*self._layout[:5])
                except (ValueError, OSError) as err:  # (cut short, moved or deleted since)
                    raise InputError(f"{self.filename}: cannot be read again ({err}); it "
                                     f"changed after it was opened: open it again once it "
                                     f"is complete") from None
            mm = self._mm
        self._check_size(mm)
        return mm

    def _check_size(self, mm: np.memmap) -> None:
        """Refuse to read a mapped file cut shorter than its image since it was opened (a
        `np.save` over it, an acquisition rewriting it): a read past its new end is a SIGBUS
        that kills the process (a notebook's kernel) without a word."""
        base = getattr(mm, "_mmap", None)
        try:
            size = base.size() if base is not None else None  # (of the file mapped, by its fd)
        except (OSError, ValueError):
            return
        need = self._layout[3] + mm.nbytes
        if size is not None and size < need:
            raise InputError(f"{self.filename}: the file was cut to {size} bytes while it was "
                             f"read (its image needs {need}): it was rewritten or truncated "
                             f"after it was opened; open it again once it is complete")

    def __getitem__(self, key: Any) -> np.ndarray:
        return np.array(self._map()[key], dtype=self.dtype)  # a copy: no view of the map leaves

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return np.array(self._map(), dtype=self.dtype if dtype is None else dtype)

    def close(self) -> None:
        """Unmap the file where nothing reads it at this moment (a read in progress keeps the
        map until it is garbage-collected); harmless to call twice."""
        with self._lock:
            mm, self._mm = self._mm, None
        if mm is None:
            return
        base, ref = getattr(mm, "_mmap", None), weakref.ref(mm)
        del mm
        if base is not None and ref() is None:  # no array uses the mapping any more
            base.close()

    def __dask_tokenize__(self) -> tuple[Any, ...]:
        return self._layout

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _reopen, self._layout


def _memmap(filename: str, stored: str, shape: tuple[int, ...], offset: int,
            order: str) -> np.memmap:
    return np.memmap(filename, dtype=np.dtype(stored), mode="r", shape=shape, offset=offset,
                     order=order)


def _reopen(filename: str, stored: str, shape: tuple[int, ...], offset: int, order: str,
            dtype: str) -> MappedFile:
    return MappedFile(_memmap(filename, stored, shape, offset, order), dtype)


def mapped_array(data: Any, axes: str) -> tuple[Any, MappedFile | None]:
    """(a dask array over the numpy `data` in chunks of at most 1024 x 1024 per plane, channels
    whole; a `MappedFile` reader of it when `data` is a memory-mapped file, else None)."""
    import dask.array as da

    chunks = tuple(min(s, 1024) if a in "YX" else (s if a == "C" else 1)
                   for s, a in zip(data.shape, axes, strict=True))
    if isinstance(data, np.memmap) and data.filename is not None:
        reader = MappedFile(data)
        return da.from_array(reader, chunks=chunks, name=False, asarray=True), reader
    return da.from_array(data, chunks=chunks, asarray=False), None
