"""Small file-system helpers shared by every writer (no heavy imports)."""

from __future__ import annotations

import os

__all__ = ["file_mode"]


def file_mode() -> int:
    """Permission bits of a new file under the current umask (0644 for the usual 022).

    `tempfile.mkstemp` creates 0600 files; outputs renamed into place from such a temporary
    would be unreadable to the rest of the lab.
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
