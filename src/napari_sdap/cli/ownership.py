"""Which input an entry of the run record was made from."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

__all__ = ["same_input"]


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
