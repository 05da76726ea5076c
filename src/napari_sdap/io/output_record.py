"""The provenance record inside an output napari-sdap wrote (docs/provenance.md): a TIFF's
private tag or, in an ImageJ TIFF, its `Info` property; a zarr store's
`attributes.napari_sdap.metadata` (`.zattrs` in zarr v2), at its top or in a level."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from napari_sdap.io.tiff_writer import PROVENANCE_TAG

__all__ = ["output_records", "store_records"]


def store_records(path: Path) -> list[tuple[Path, Any]]:
    """(folder, record) for a zarr store's top and each of its direct levels that hold zarr
    metadata, the top first (the record None where a folder holds none)."""
    found = []
    for folder in (path, *sorted(p for p in path.iterdir() if p.is_dir())):
        for name in (".zattrs", "zarr.json"):
            if (folder / name).is_file():
                doc = json.loads((folder / name).read_text(errors="replace"))
                attrs = doc.get("attributes") if name == "zarr.json" else doc
                found.append((folder, ((attrs or {}).get("napari_sdap") or {}).get("metadata")))
    return found


def output_records(path: Path) -> Iterator[Any]:
    """The provenance records of the output at `path` (the JSON values as stored; none where
    it holds none). Raises what reading the file raises (not an image, unreadable)."""
    if path.is_dir():
        yield from (record for _, record in store_records(path))
        return
    import tifffile

    with tifffile.TiffFile(path) as tif:
        tag = tif.pages.first.tags.get(PROVENANCE_TAG)
        text = str(tag.value) if tag is not None else (tif.imagej_metadata or {}).get("Info")
    if text:
        yield json.loads(str(text))
