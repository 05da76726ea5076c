"""Multi-file OME-TIFF datasets in a batch: one output per dataset, not one per file.

A multi-file OME-TIFF (Micro-Manager, Bio-Formats `bfconvert` split by plane, time or
position) spreads one image over several `.ome.tif` files whose OME-XML lists them all
(`TiffData` / `UUID FileName`, with each file's UUID; a file holding only planes may instead
say `BinaryOnly` and name the file holding the metadata). Opening any of them reads the whole
dataset, so a folder of them was denoised once per file: N outputs of the same dataset, N
times the work and disk. `drop_parts` keeps the first file of each dataset a batch holds and
notes the others. A file counts as a part only where its own UUID is the one listed for it: a
single-file OME-TIFF renamed after export still names its old file name, which may be another
file's now.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["drop_parts"]

_ENDINGS = (".ome.tif", ".ome.tiff")
_ROOT = re.compile(r'<(?:\w+:)?OME\b[^>]*\bUUID="([^"]+)"')
_FILE = re.compile(r'<(?:\w+:)?UUID\b[^>]*\bFileName="([^"]+)"[^>]*>([^<]+)<')
_BINARY = re.compile(r'<(?:\w+:)?BinaryOnly\b([^>]*)>')


def _attribute(text: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]+)"', text)
    return found.group(1) if found else None


def _read(path: Path) -> tuple[str | None, dict[Path, str], bool]:
    """(`path`'s own UUID, {file it names as part of its dataset: the UUID it gives}, whether
    it holds planes only: `BinaryOnly`); empty for a file of one piece or one that cannot be
    read (it fails later, as an input)."""
    import tifffile

    try:
        xml = tifffile.tiffcomment(path) or ""
    except Exception:  # not a TIFF, damaged, unreadable: left to the reader's message
        return None, {}, False
    if not isinstance(xml, str) or "<OME" not in xml[:4096]:
        return None, {}, False
    root = _ROOT.search(xml)
    named = [(name, uid.strip()) for name, uid in _FILE.findall(xml)]
    binary = _BINARY.findall(xml)
    for attributes in binary:
        name, uid = _attribute(attributes, "MetadataFile"), _attribute(attributes, "UUID")
        if name and uid:
            named.append((name, uid))
    here = path.resolve()
    parts = {Path(os.path.realpath(path.parent / n)): uid for n, uid in named
             if "/" not in n and "\\" not in n}
    parts.pop(here, None)
    return (root.group(1).strip() if root else None), parts, bool(binary)


def drop_parts(paths: Sequence[Path], note: Callable[[str, str], None] | None = None
               ) -> list[Path]:
    """`paths` (sorted) without the files that belong to the dataset of an earlier file of
    the list (one names the other with the other's own UUID); one note for each skipped. A
    file of planes only (`BinaryOnly`) comes after the files holding metadata: tifffile reads
    it alone, not its dataset, so its dataset's metadata file is the one kept wherever it
    sorts (a metadata file sorted after its files of planes was skipped, and a part of the
    dataset denoised in its place)."""
    candidates = [p for p in paths if p.name.lower().endswith(_ENDINGS)]
    if len(candidates) < 2:
        return list(paths)
    info = {p: _read(p) for p in candidates}

    def linked(a: Path, b: Path) -> bool:  # a names b with b's UUID, or b names a so
        return any(info[x][1].get(y.resolve()) == info[y][0] is not None
                   for x, y in ((a, b), (b, a)))

    kept: list[Path] = []
    for p in sorted(paths, key=lambda q: q in info and info[q][2]):  # (stable: else as given)
        owner = next((k for k in kept if k in info and linked(k, p)), None) if p in info else None
        if owner is not None:
            if note is not None:
                note(str(p), f"skipped: a part of the multi-file OME-TIFF dataset of {owner}, "
                             f"which is read whole from that file")
            continue
        kept.append(p)
    chosen = set(kept)
    return [p for p in paths if p in chosen]
