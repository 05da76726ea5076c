"""Where an array's pixels live on disk, to refuse outputs written onto (or into) an input.

A store can be spelled many ways (a relative or absolute path, `..`, a symlink, another letter
case on a case-insensitive disk, a second `zarr.open_array` of the same folder, a dask array
built with `da.from_zarr`), so outputs and inputs are compared as resolved files, never as
strings or objects.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from napari_sdap.errors import OutputError

__all__ = ["array_paths", "check_apart", "overlaps"]

_MAX_DEPTH = 6


def _local_path(value: Any) -> Path | None:
    if isinstance(value, (str, os.PathLike)) and str(value):
        text = str(value)
        if text.startswith("file://"):
            text = text[len("file://"):]
        if "://" in text:  # a remote store: never the same as a local output
            return None
        return Path(os.path.realpath(os.path.expanduser(text)))
    return None


def _store_path(store: Any) -> Path | None:
    """Folder or file of a zarr store (zarr v2 and v3 local, zip and fsspec-local stores) or
    of tifffile's zarr view of a TIFF file."""
    for _ in range(4):  # unwrap wrapper stores (logging, caching, ...)
        inner = getattr(store, "_store", None)
        data = getattr(store, "_data", None)
        if isinstance(data, list) and data:  # tifffile ZarrTiffStore: pages or series
            handle = getattr(getattr(data[0], "parent", None), "filehandle", None)
            return _local_path(getattr(handle, "path", None))
        if inner is None or inner is store:
            break
        store = inner
    fs = getattr(store, "fs", None)
    if fs is not None:  # fsspec (zarr v2 FSStore, v3 FsspecStore): only a local file system
        fs = getattr(fs, "sync_fs", fs)
        protocol = getattr(fs, "protocol", ())
        protocols = (protocol,) if isinstance(protocol, str) else tuple(protocol)
        if not {"file", "local"} & set(protocols):
            return None
    for name in ("root", "path"):  # v3 LocalStore.root; v2 DirectoryStore / ZipStore .path
        path = _local_path(getattr(store, name, None))
        if path is not None:
            return path
    return None


def _zarr_paths(array: Any) -> list[Path]:
    root = _store_path(getattr(array, "store", None))
    if root is None:
        return []
    inner = str(getattr(array, "path", "") or "").strip("/")
    return [root / inner if inner and root.is_dir() else root]


def _graph_values(array: Any) -> list[Any]:
    """Values of a dask graph that may hold source arrays, without building every task."""
    graph = array.__dask_graph__()
    out: list[Any] = []
    for layer in getattr(graph, "layers", {"": graph}).values():
        mapping = getattr(layer, "mapping", None)
        if mapping is not None:  # MaterializedLayer: from_array/from_zarr's "original-..."
            out.extend(mapping.values())
        elif hasattr(layer, "indices"):  # Blockwise: literal arguments (inline_array=True)
            out.extend(v for v, index in layer.indices if index is None)
            out.extend(getattr(layer, "dsk", {}).values())
        elif len(layer) <= 10_000:
            out.extend(dict(layer).values())
    return out


def array_paths(obj: Any, _depth: int = 0) -> list[Path]:
    """Resolved files or folders the pixels of `obj` are read from (empty for memory arrays).

    Understands paths, `ImageSource`, zarr arrays (v2 and v3), tifffile's zarr views,
    memory-mapped numpy arrays (and views of them), dask arrays built from any of these, and
    napari-sdap's own array wrappers (`.base`).
    """
    if obj is None or _depth > _MAX_DEPTH:
        return []
    path = _local_path(obj)
    if path is not None:
        return [path]
    found: list[Path] = []
    if hasattr(obj, "array") and hasattr(obj, "axes") and hasattr(obj, "path"):  # ImageSource
        found += array_paths(obj.path, _depth + 1) + array_paths(obj.array, _depth + 1)
        return found
    filename = getattr(obj, "filename", None)  # np.memmap (and tifffile.memmap)
    if isinstance(filename, (str, os.PathLike)) and hasattr(obj, "dtype"):
        found.append(Path(os.path.realpath(filename)))
    if hasattr(obj, "store") and hasattr(obj, "shape"):
        found += _zarr_paths(obj)
    if hasattr(obj, "__dask_graph__") and obj.__dask_graph__() is not None:
        for value in _graph_values(obj):
            found += _task_paths(value, _depth + 1)
    base = getattr(obj, "base", None)
    if base is not None and base is not obj and not isinstance(base, (bytes, memoryview)):
        found += array_paths(base, _depth + 1)
    return list(dict.fromkeys(found))


def _task_paths(value: Any, depth: int) -> list[Path]:
    """Paths of arrays held by a dask graph value (an array, a task or a tuple of them)."""
    if depth > _MAX_DEPTH or isinstance(value, (str, bytes, int, float)):
        return []
    if isinstance(value, (tuple, list)):
        return [p for v in value for p in _task_paths(v, depth + 1)]
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return array_paths(value, depth)
    found: list[Path] = []
    for name in ("value", "args"):  # dask task-spec nodes: DataNode.value, Task.args
        inner = getattr(value, name, None)
        if inner is not None and type(value).__module__.startswith("dask"):
            found += _task_paths(inner, depth + 1)
    return found


def _ancestry(path: Path) -> list[Path]:
    return [path, *path.parents]


def overlaps(a: Path, b: Path) -> bool:
    """Whether `a` and `b` are the same file or folder, or one lies inside the other.

    Compared after resolving symlinks and `..`; existing paths are also compared with
    `os.path.samefile`, which sees through letter case on case-insensitive disks and hard links.
    """
    ra, rb = Path(os.path.realpath(a)), Path(os.path.realpath(b))
    na = Path(os.path.normcase(ra))
    nb = Path(os.path.normcase(rb))
    if na == nb or nb in na.parents or na in nb.parents:
        return True
    for inner, outer in ((ra, rb), (rb, ra)):
        try:
            if not outer.exists():
                continue
        except OSError:  # (a name over 255 bytes: stat raises; no such file can be either)
            continue
        for p in _ancestry(inner):
            try:
                if p.exists() and os.path.samefile(p, outer):
                    return True
            except OSError:
                continue
    return False


def check_apart(output: Any, output_paths: list[Path], inputs: list[Path]) -> None:
    """Raise `OutputError` when any of `output_paths` is, holds or lies inside an input."""
    for out in output_paths:
        for src in inputs:
            if overlaps(out, src):
                raise OutputError(
                    f"output {output} is the input image {src}, holds it or lies inside it "
                    f"(it resolves to {os.path.realpath(out)}); never overwrite the input: "
                    f"choose another output path or array")
