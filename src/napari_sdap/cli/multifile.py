"""Multi-file OME-TIFF datasets in a batch: one output per dataset, not one per file.

A multi-file OME-TIFF (Micro-Manager, Bio-Formats `bfconvert` split by plane, time or
position) spreads one image over several `.ome.tif` files whose OME-XML lists them all
(`TiffData` / `UUID FileName`; a file holding only planes may instead say `BinaryOnly` and
name the file holding the metadata). Opening any of them reads the whole dataset, so a folder
of them was denoised once per file: N outputs of the same dataset, N times the work and disk.
`drop_parts` keeps the first file of each dataset a batch holds and notes the others.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["drop_parts"]

_ENDINGS = (".ome.tif", ".ome.tiff")
_FILE_NAME = re.compile(r'<(?:\w+:)?UUID\b[^>]*\bFileName="([^"]+)"')
_METADATA_FILE = re.compile(r'<(?:\w+:)?BinaryOnly\b[^>]*\bMetadataFile="([^"]+)"')


def _members(path: Path) -> set[Path]:
    """The other files `path`'s OME-XML names as part of its dataset (resolved); empty for
    a file of one piece or one that cannot be read (it fails later, as an input)."""
    import tifffile

    try:
        xml = tifffile.tiffcomment(path) or ""
    except Exception:  # not a TIFF, damaged, unreadable: left to the reader's message
        return set()
    if not isinstance(xml, str) or "<OME" not in xml[:4096]:
        return set()
    names = _FILE_NAME.findall(xml) + _METADATA_FILE.findall(xml)
    here = path.resolve()
    found = {Path(os.path.realpath(path.parent / n)) for n in names if "/" not in n}
    return found - {here}


def drop_parts(paths: Sequence[Path], note: Callable[[str, str], None] | None = None
               ) -> list[Path]:
    """`paths` (sorted) without the files that belong to the dataset of an earlier file of
    the list (each named in the other's OME-XML, either way); one note for each skipped."""
    candidates = [p for p in paths if p.name.lower().endswith(_ENDINGS)]
    if len(candidates) < 2:
        return list(paths)
    members = {p: _members(p) for p in candidates}
    kept: list[Path] = []
    for p in paths:
        if p in members:
            owner = next((k for k in kept if k in members and (
                p.resolve() in members[k] or k.resolve() in members[p])), None)
            if owner is not None:
                if note is not None:
                    note(str(p), f"skipped: a part of the multi-file OME-TIFF dataset of "
                                 f"{owner}, which is read whole from that file")
                continue
        kept.append(p)
    return kept
