"""Whose file an output is, and which input an entry of the run record was made from.

Each attempt at an output gets a random token (`new_attempt`), noted in its record entry when
it starts and written into the output's provenance (`run.attempt`, docs/provenance.md). An
output whose entry never said `done` is replaced without `--overwrite` only when it carries
its entry's token: the output of a run killed after the rename but before the record said
`done` (resumable), never a file the user put there.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["new_attempt", "same_input", "written_by"]

_PROVENANCE_TAG = 65000
"""The TIFF tag of the provenance record of OME-TIFF and BigTIFF outputs (docs/provenance.md);
an ImageJ TIFF output holds it as its `Info` property."""


def new_attempt() -> str:
    """A token naming one attempt at one output."""
    return uuid.uuid4().hex


def _tiff_record(path: Path) -> str:
    import tifffile

    with tifffile.TiffFile(path) as tif:
        tag = tif.pages.first.tags.get(_PROVENANCE_TAG)
        if tag is not None:
            return str(tag.value)
        return str((tif.imagej_metadata or {}).get("Info") or "")


def _zarr_records(path: Path) -> Iterable[str]:
    """The metadata documents of a zarr store's top two levels (where the record is kept)."""
    for folder in (path, *(p for p in path.iterdir() if p.is_dir())):
        for name in (".zattrs", "zarr.json"):
            if (folder / name).is_file():
                yield (folder / name).read_text(errors="replace")


def written_by(output: Path, attempt: Any) -> bool:
    """Whether `output` is the file of the attempt `attempt` (its provenance names it)."""
    if not isinstance(attempt, str) or not attempt:
        return False
    try:
        if output.is_dir():
            return any(attempt in text for text in _zarr_records(output))
        run = json.loads(_tiff_record(output)).get("run") or {}
        return isinstance(run, dict) and run.get("attempt") == attempt
    except Exception:  # unreadable, not an image, another layout: not known to be ours
        return False


def same_input(recorded: Any, source: str | None, cwds: Iterable[Any]) -> bool:
    """Whether the input an entry names (`recorded`: absolute, or, in records written before
    inputs were, relative to the folder of one of the runs, `cwds`) is the file `source`."""
    if source is None or not isinstance(recorded, str) or not recorded:
        return True  # nothing to compare
    real = os.path.realpath(source)
    if os.path.isabs(recorded):
        return os.path.realpath(recorded) == real
    bases = {str(c) for c in cwds if isinstance(c, str)} or {os.getcwd()}
    return any(os.path.realpath(os.path.join(base, recorded)) == real for base in bases)
