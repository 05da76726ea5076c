"""Test helper: a folder nothing can be written into, for root and non-root test runs alike."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock


@contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """Create `folder` and keep anything from being written into it for the `with` block.

    Root ignores mode bits, so there creating a temporary file (`tempfile.mkstemp`, which every
    atomic write starts with) fails as it would in a read-only folder."""
    folder.mkdir()
    try:
        if os.geteuid() != 0:
            folder.chmod(0o555)
            yield folder
        else:
            denied = PermissionError(errno.EACCES, "Permission denied")
            with mock.patch("tempfile.mkstemp", side_effect=denied):
                yield folder
    finally:
        folder.chmod(0o755)
