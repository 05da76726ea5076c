"""What `overwrite` may replace: only what napari-sdap could have written at an output path.

An output is a file (TIFF), a zarr array (`.zarr`) or an OME-Zarr image group (`.ome.zarr`: a
group whose only members are the arrays its `multiscales` lists, `io.ome.write_ome_group`).
Anything else at the path (a folder of the user's files that happens to end in `.tif` or
`.zarr`, a zarr group holding other arrays or labels, a file where a zarr store goes) would be
lost with it, so `overwrite=True` refuses it instead of deleting it. A symbolic link is
replaced as a link (what it points to is left alone); an empty folder holds nothing to lose.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from napari_sdap.errors import OutputError

__all__ = ["check_replaceable"]

_META = {"zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"}
_CHUNK = re.compile(r"(c|\d+)([./]\d+)*")  # (no shape in the metadata) `c/0/0`, `0.0`
_KINDS = {"tiff": "a file", "zarr": "a zarr array or an OME-Zarr image",
          "ome-zarr": "an OME-Zarr image or a zarr array"}


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _listing(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _node(folder: Path) -> tuple[str | None, dict[str, Any]]:
    """(`array`, `group` or None, the node's attributes) from its zarr v3 or v2 metadata."""
    v3 = _json(folder / "zarr.json")
    if v3.get("node_type") in ("array", "group"):
        return v3["node_type"], v3.get("attributes") or {}
    attrs = _json(folder / ".zattrs")
    if (folder / ".zarray").is_file():
        return "array", attrs
    if (folder / ".zgroup").is_file():
        return "group", attrs
    return None, {}


def _chunk_key(folder: Path) -> re.Pattern[str]:
    """The chunk keys of the zarr array at `folder`, from its own metadata: its chunk key
    encoding (v3 `default`: `c/0/0`, or `v2`: `0.0`), separator and number of dimensions."""
    v3 = _json(folder / "zarr.json")
    meta = v3 if v3.get("node_type") == "array" else _json(folder / ".zarray")
    shape = meta.get("shape")
    if not isinstance(shape, list):
        return _CHUNK
    if v3.get("node_type") == "array":
        enc = meta.get("chunk_key_encoding")
        enc = enc if isinstance(enc, dict) else {}
        prefix = enc.get("name", "default") == "default"
        conf = enc.get("configuration") if isinstance(enc.get("configuration"), dict) else {}
        sep = conf.get("separator", "/" if prefix else ".")
    else:
        prefix, sep = False, meta.get("dimension_separator") or "."
    ndim, sep = len(shape), re.escape(str(sep))
    if prefix:
        return re.compile("c" + rf"{sep}\d+" * ndim)
    return re.compile(r"\d+" + rf"{sep}\d+" * (ndim - 1) if ndim else "0")


def _array_problem(folder: Path) -> str | None:
    """Why `folder` is not a plain zarr array (None: it is one): every file in it, at any
    depth, must be its metadata or one of its chunks (a user's file inside a chunk-named
    folder, `c/notes.txt`, would be lost with it)."""
    if _node(folder)[0] != "array":
        return "a folder that is not a zarr array"
    key = _chunk_key(folder)
    other = []
    for root, dirs, files in os.walk(folder):
        here = Path(root).relative_to(folder)
        links = [d for d in dirs if (Path(root) / d).is_symlink()]  # (not followed)
        for name in sorted(files + links):
            rel = (here / name).as_posix()
            if not (rel in _META or key.fullmatch(rel)):
                other.append(rel)
    return f"a zarr array with other files in it ({_listing(sorted(other))})" if other else None


def _datasets(attrs: dict[str, Any]) -> list[str]:
    ome = attrs.get("ome") if isinstance(attrs.get("ome"), dict) else attrs  # NGFF 0.5 / 0.4
    scales = ome.get("multiscales")
    if not isinstance(scales, list):
        return []
    return [str(d.get("path")) for m in scales if isinstance(m, dict)
            for d in m.get("datasets") or [] if isinstance(d, dict)]


def _folder_problem(folder: Path) -> str | None:
    """Why `folder` is not a zarr array nor an OME-Zarr image group (None: it is one)."""
    kind, attrs = _node(folder)
    if kind == "array":
        return _array_problem(folder)
    names = _names(folder)
    if kind is None:
        return f"a folder holding {_listing(names)} (not a zarr store)"
    levels = _datasets(attrs)
    members = [n for n in names if n not in _META]
    if not levels:
        return f"a zarr group holding {_listing(members) or 'no arrays'} (not one image)"
    other = [n for n in members if n not in levels]
    if other:
        return f"an OME-Zarr group holding more than its image ({_listing(other)})"
    for level in members:
        if _array_problem(folder / level) is not None:
            return f"an OME-Zarr group whose member {level} is not a plain zarr array"
    return None


def _problem(path: Path, kind: str) -> str | None:
    if path.is_symlink() or not path.exists():
        return None  # a link is replaced as a link: what it points to is left alone
    if path.is_dir():
        if not any(path.iterdir()):
            return None
        if kind == "tiff":
            return f"a folder holding {_listing(_names(path))}, not a TIFF file"
        return _folder_problem(path)
    if not path.is_file():
        return "not a regular file (a device, pipe or socket)"
    return None if kind == "tiff" else "a file, not a zarr store"


def check_replaceable(path: Path, kind: str) -> None:
    """Refuse (`OutputError`) to replace `path` unless it holds what napari-sdap writes as an
    output of `kind` (`tiff`, `zarr`, `ome-zarr`; see the module docstring)."""
    what = _problem(path, kind)
    if what is not None:
        raise OutputError(
            f"output {path} is {what}; overwrite (CLI: --overwrite) replaces only "
            f"{_KINDS[kind]} as napari-sdap writes it, never other data, so it was left "
            f"alone; choose another output path, or delete {path} yourself if it may go")
