"""Whose file an output is, and which input an entry of the run record was made from.

Each attempt at an output gets a random token (`new_attempt`), noted in its record entry when
it starts and written into the output's provenance (`run.attempt`, docs/provenance.md). An
output whose entry never said `done` is replaced without `--overwrite` only when it carries
its entry's token: the output of a run killed after the rename but before the record said
`done` (resumable), never a file the user put there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from napari_sdap.api.provenance import output_records

__all__ = ["new_attempt", "same_input", "written_by"]


def new_attempt() -> str:
    """A token naming one attempt at one output."""
    return uuid.uuid4().hex


def _attempt(record: Any) -> Any:
    """The `run.attempt` of a provenance record (None where it has none)."""
    run = record.get("run") if isinstance(record, dict) else None
    return run.get("attempt") if isinstance(run, dict) else None


def written_by(output: Path, attempts: Any) -> bool:
    """Whether `output` is the file of one of the attempts `attempts` (a token or a list of
    tokens: its provenance's `run.attempt` is exactly one of them)."""
    tokens = [attempts] if isinstance(attempts, str) else attempts
    tokens = {t for t in tokens or () if isinstance(t, str) and t}
    if not tokens:
        return False
    try:
        return any(isinstance(a := _attempt(record), str) and a in tokens
                   for record in output_records(output))
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
