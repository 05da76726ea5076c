"""Outputs written tile by tile into a temporary and moved into place only when complete.

`.zarr` and `.ome.zarr` outputs are written directly into a hidden temporary store next to the
target and renamed on commit. TIFF outputs are first written into a temporary zarr store, then
streamed plane by plane (or tile by tile for huge planes) into a temporary TIFF at commit, so
memory stays bounded for any image size. A run that fails or is stopped removes its temporaries
and leaves nothing at the target path.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.axes import validate_axes
from napari_sdap.errors import OutputError
from napari_sdap.io.axes_view import AxesView, ome_order
from napari_sdap.io.channels import channel_count, channel_names, output_colours
from napari_sdap.io.locate import array_paths, check_apart
from napari_sdap.io.ome import NGFF_ORDER, check_ngff_axes
from napari_sdap.io.physical import clean_physical, clean_translation, json_safe
from napari_sdap.io.readers import path_kind
from napari_sdap.io.replace import check_replaceable
from napari_sdap.io.tiff_display import plane_depths, uneven_depths
from napari_sdap.io.tiff_writer import OME_ENDINGS, check_layout, write_tiff
from napari_sdap.io.write_errors import interrupt_behind, write_error
from napari_sdap.paths import hidden_stem
from napari_sdap.values import check_chunks, check_overwrite, check_per_axis

__all__ = ["OutputSink", "default_chunks", "open_output", "output_kind", "writable"]


def output_kind(target: Any) -> str:
    """`tiff`, `ome-zarr`, `zarr` for a path, `array` for a zarr array; else `OutputError`."""
    if hasattr(target, "shape") and hasattr(target, "__setitem__"):
        return "array"
    kind = path_kind(target)
    if kind in ("tiff", "ome-zarr", "zarr"):
        return kind
    shown = target if isinstance(target, str | os.PathLike) else \
        f"of type {type(target).__name__}"  # (a list of lists was printed whole)
    raise OutputError(f"output {shown!s}: unsupported type; give a path ending in .tif, .tiff, "
                      f".ome.tif, .zarr or .ome.zarr, or a zarr array")


def writable(target: Any) -> Any:
    """An array target as written: a torch tensor through a numpy view of its memory (a CPU
    tensor of a numpy dtype), anything else as it is."""
    if type(target).__module__.split(".")[0] != "torch":
        return target
    try:
        return target.detach().numpy()  # shares the tensor's memory: writes land in it
    except (RuntimeError, TypeError) as err:
        raise OutputError(f"output= a torch tensor that cannot be written in place ({err}); give "
                          f"a CPU tensor of a numpy dtype, a numpy array or a path") from None


def default_chunks(shape: tuple[int, ...], axes: str, edge: int = 512) -> tuple[int, ...]:
    """One chunk per `edge` x `edge` region of each plane (channels kept together when few)."""
    return tuple(min(s, edge) if a in "YX" else (s if a == "C" and s <= 4 else 1)
                 for s, a in zip(shape, axes, strict=True))


def _check_target(path: Path, kind: str, overwrite: bool, inputs: list[Path]) -> None:
    check_apart(path, [path], inputs)
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{parent} is a file, not a folder, so the output {path.name} cannot "
                          f"go inside it; choose another output path")
    if not parent.is_dir():
        raise OutputError(f"output folder {parent} does not exist; create it first or choose "
                          f"another output path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"output folder {parent} is not writable; choose a folder you can "
                          f"write to")
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise OutputError(f"output {path} already exists; pass overwrite=True (CLI: "
                          f"--overwrite) to replace it, or choose another path")
    check_replaceable(path, kind)  # never a folder of other data (`io.replace`)


_SETTLE, _TRIES = 0.05, 20
"""A removed folder must stay gone for `_SETTLE` seconds (up to `_TRIES` removals): a chunk write
still in flight on zarr's I/O thread when a stop interrupts the main thread recreates its
folder just after the removal (a hidden `.partial` folder was left behind now and then)."""


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        for _ in range(_TRIES):
            shutil.rmtree(path, ignore_errors=True)
            time.sleep(_SETTLE)
            if not path.exists():
                return
    elif path.exists() or path.is_symlink():
        try:
            path.unlink()
        except OSError:
            pass


class OutputSink:
    """A writable `array` that becomes the file `path` on `commit()` and vanishes on `abort()`.

    Use as a context manager: a normal exit commits, an exception (including GeneratorExit and
    KeyboardInterrupt) aborts and re-raises (OSErrors as `OutputError`).
    """

    def __init__(self, array: Any, path: Path | None, kind: str, temp: Path | None = None,
                 tiff_args: dict[str, Any] | None = None, overwrite: bool = False) -> None:
        self.array = array
        self.path = path
        self.kind = kind
        self._temp = temp
        self._tiff_args = tiff_args or {}
        self._overwrite = overwrite
        self.state = "open"

    def __repr__(self) -> str:
        return f"OutputSink({self.kind}, path={self.path}, state={self.state})"

    def commit(self) -> Path | None:
        """Flush and move the output into place atomically; returns its path."""
        if self.state != "open":
            if self.state == "committed":
                return self.path
            raise OutputError(f"output {self.path} was aborted and cannot be committed")
        if self.kind == "array" or self.path is None or self._temp is None:
            self.state = "committed"
            return self.path
        final = self._temp
        try:
            if self.kind == "tiff":
                final = self._temp.with_name(self._temp.name[: -len(".zarr")] + ".tif")
                write_tiff(final, self.array, **self._tiff_args)
                shutil.rmtree(self._temp)
                self._temp = final
            self._move_into_place(final)
        except OSError as err:
            # (the message first: the clean-up frees the disk a short write found full)
            failure = None if isinstance(err, OutputError) else write_error(self.path, err)
            self.abort()
            stop = interrupt_behind(err)
            if stop is not None:  # Ctrl-C / SIGTERM inside the writer; its cleanup then failed
                raise stop from None
            if failure is None:
                raise
            raise failure from err
        except BaseException:
            self.abort()
            raise
        self.state = "committed"
        return self.path

    def _move_into_place(self, temp: Path) -> None:
        path = self.path
        assert path is not None
        old = None
        if path.exists() or path.is_symlink():
            if not self._overwrite:
                raise OutputError(f"output {path} appeared while writing; it was left alone and "
                                  f"the new output removed; choose another path")
            check_replaceable(path, self.kind)  # (what is there now, `_check_target`)
            old = path.with_name(f".{hidden_stem(path.name)}.old-{uuid.uuid4().hex[:8]}")
            os.replace(path, old)
        os.replace(temp, path)
        if old is not None:
            _remove(old)

    def abort(self) -> None:
        """Remove every temporary; nothing is left at `path`. Harmless to call twice."""
        if self.state == "open" and self._temp is not None:
            _remove(self._temp)
            if self.kind == "tiff":
                _remove(self._temp.with_name(self._temp.name[: -len(".zarr")] + ".tif"))
        if self.state == "open":
            self.state = "aborted"

    def __enter__(self) -> OutputSink:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None:
            self.commit()
            return False
        failure = (write_error(self.path, exc) if isinstance(exc, OSError) and self.path
                   and not isinstance(exc, OutputError) else None)  # (before the clean-up)
        self.abort()
        if failure is not None:
            raise failure from exc
        return False


def _create_zarr(temp: Path, kind: str, shape: tuple[int, ...], dtype: np.dtype,
                 chunks: tuple[int, ...], axes: str, scale: dict[str, float],
                 units: dict[str, str], record: dict[str, Any],
                 translation: dict[str, float] | None = None,
                 channels: list[str | None] | None = None,
                 colours: list[str | None] | None = None) -> Any:
    import zarr

    attrs = {"axes": axes, "napari_sdap": record}
    if kind != "ome-zarr":  # (where the image lies, next to its pixel sizes: read back by
        if translation:  # `io.zarr_reader`; an OME-Zarr keeps it as a transform)
            attrs["napari_sdap"] = {**record, "translation": dict(translation)}
        # a TIFF's scratch keeps its chunks in one folder (`c.0.0.0`): nested `c/0/0/0` made
        # two folders per plane, whose removal after writing cost ~6 ms a plane on a VM's disk
        # (a 5000-frame stack of small frames: 30 s) and more on a network share
        flat = {"name": "default", "separator": "."} if kind == "tiff" else None
        return zarr.create_array(str(temp), shape=shape, dtype=dtype, chunks=chunks,
                                 fill_value=0, attributes=attrs, chunk_key_encoding=flat)
    from napari_sdap.io.ome import write_ome_group

    name = temp.name.lstrip(".").split(".partial-")[0].removesuffix(".ome.zarr")  # the final
    # (output's name; its start and a hash for a name too long to keep whole, `hidden_stem`)
    return write_ome_group(temp, shape, dtype, chunks, axes, scale, units, attrs, name,
                           translation, channels, colours)


def open_output(target: Any, shape: tuple[int, ...], dtype: Any = "float32", *, axes: str,
                scale: dict[str, float] | None = None, units: dict[str, str] | None = None,
                metadata: dict[str, Any] | None = None, overwrite: bool = False,
                chunks: tuple[int, ...] | None = None,
                inputs: list[str | os.PathLike[str]] | None = None,
                translation: dict[str, float] | None = None,
                channels: list[str | None] | None = None) -> OutputSink:
    """Open an output to be written tile by tile.

    Parameters
    ----------
    target : path or zarr array
        `.tif/.tiff/.ome.tif`, `.zarr` or `.ome.zarr` path, or an existing writable array of
        `shape` (written in place; commit/abort then do nothing).
    shape, dtype, axes : image shape, dtype and axes letters of the output.
    scale, units, metadata : physical pixel sizes, units and extra JSON-able metadata (the
        config of the run, the input's ImageJ/OME details) recorded with the output.
    overwrite : replace an existing `target` (only once the new output is complete).
    chunks : zarr chunk shape (default: 512 x 512 per plane).
    inputs : paths of the input image(s); writing onto (or into) any of them is refused.
    translation : where the image lies, per axis letter (an input's own, so that the output
        overlays it: OME-Zarr keeps it as a transform, OME-TIFF as plane positions, an ImageJ
        TIFF as its origin).
    channels : the names of the image's channels, one per channel along its C axis (one name
        for an image without one; None: unnamed), written where the format holds them (OME-XML
        `Channel Name`, ImageJ slice labels, OME-Zarr `omero.channels[].label`); left out
        when their count is not the image's number of channels (`io.channels`).

    Raises
    ------
    OutputError
        Target exists (without overwrite), is an input, its folder is missing or read-only, or
        the temporary cannot be created.
    """
    shape = tuple(int(s) for s in shape)
    dtype, overwrite = np.dtype(dtype), check_overwrite(overwrite)
    kind = output_kind(target)
    if kind == "array":
        target = writable(target)
        if tuple(target.shape) != shape:
            raise OutputError(f"output array has shape {tuple(target.shape)} but the result has "
                              f"shape {shape}; give an array of the result's shape")
        check_apart("array", array_paths(target), [Path(p) for p in inputs or []])
        return OutputSink(target, None, "array")
    dtype = dtype.newbyteorder("=")  # (a file keeps the values: '>u2' is stored as uint16)
    axes = validate_axes(axes, shape)  # upper-cased ('yx' was refused, 'YY' written)
    path = Path(target).expanduser().absolute()
    _check_target(path, kind, overwrite, [Path(p).expanduser().absolute() for p in inputs or []])
    stored = axes
    if kind == "tiff":
        check_layout(axes, shape, dtype)
    elif kind == "ome-zarr":  # stored in OME's order (TZCYX -> TCZYX, YXC -> CYX), seen in ours
        stored = ome_order(axes, NGFF_ORDER) or axes
        check_ngff_axes(stored)
    names = channel_names(channels, channel_count(axes, shape))  # (before the reordering)
    colours = output_colours(metadata, axes, channel_count(axes, shape))
    if kind != "tiff":  # (a TIFF says so as it is written: an OME-TIFF keeps them)
        uneven_depths(plane_depths(metadata or {}, axes, shape), "a zarr output")
    chunks = (check_chunks(chunks, shape, axes) if chunks is not None else
              default_chunks(shape, axes))
    shape, chunks = (tuple(v[axes.index(a)] for a in stored) for v in (shape, chunks))
    for name, value in (("scale", scale), ("units", units), ("translation", translation)):
        check_per_axis(name, value)
    scale, units = clean_physical(scale, units, f"output {path}")  # never NaN in a zarr.json
    translation = clean_translation(translation, axes, f"output {path}")
    metadata = json_safe(dict(metadata or {}))
    record = {"scale": dict(scale), "units": dict(units), "metadata": metadata}
    temp = path.with_name(f".{hidden_stem(path.name)}.partial-{uuid.uuid4().hex[:8]}"
                          + (".zarr" if kind == "tiff" else ""))
    try:
        array = _create_zarr(temp, kind, shape, dtype, chunks, stored, scale, units, record,
                             translation, names, colours)
        if stored != axes:
            array = AxesView(array, stored, axes)
    except OSError as err:
        _remove(temp)
        raise write_error(path, err) from err
    except BaseException:  # Ctrl-C or a stop signal while the temporary is being made
        _remove(temp)
        raise
    tiff_args = {"axes": axes, "scale": scale, "units": units, "metadata": metadata,
                 "ome": path.name.lower().endswith(OME_ENDINGS), "translation": translation,
                 "channels": names, "colours": colours}
    return OutputSink(array, path, kind, temp, tiff_args, overwrite)
