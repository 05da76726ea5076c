"""Small helpers shared by the CLI tests."""

from __future__ import annotations

import hashlib
from pathlib import Path


def digest(path: Path) -> str:
    """SHA-256 of a file (to prove inputs were not modified)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
