"""What a failed output write tells its user: a full disk, a permission, or a stop (Ctrl-C,
SIGTERM) that landed inside the writer."""

from __future__ import annotations

import errno
from pathlib import Path

from napari_sdap.errors import DiskFullError, OutputError
from napari_sdap.paths import NEARLY_FULL, disk_full

__all__ = ["NEARLY_FULL", "disk_full", "interrupt_behind", "write_error"]


def interrupt_behind(err: BaseException) -> BaseException | None:
    """The KeyboardInterrupt or SystemExit an error was raised while handling, if any: a stop
    (Ctrl-C, SIGTERM) landing inside a writer whose cleanup then failed on its closed file
    ("Bad file descriptor") must still stop the run, not count as a failed output."""
    seen = err.__context__
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt | SystemExit):
            return seen
        seen = seen.__context__
    return None


def write_error(path: Path, err: OSError) -> OutputError:
    """The error to raise for `err` while writing `path` (`DiskFullError` for a full disk)."""
    kind = OutputError
    if disk_full(path, err):
        why, kind = "the disk is full; free space or write to another disk", DiskFullError
    elif err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "permission denied; choose a folder you can write to"
    else:
        why = "check the disk and the path"
    return kind(f"writing output {path} failed ({err.strerror or err}); {why}. "
                       f"The partial output was removed")
