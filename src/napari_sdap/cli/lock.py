"""One batch at a time per output folder: `DIR/.sdap_run.lock`, held for the whole run.

Two runs into one folder would each rewrite the run record from their own copy, and the second
could replace outputs the first is still writing. The lock is an operating-system lock on the
file (`flock`; `msvcrt.locking` on Windows), so it goes away with the process that held it: a
killed or crashed run never leaves the folder locked (only the file, which the next run
takes over). The file names the process that holds it, for the message a second run prints.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from napari_sdap.cli.record import now
from napari_sdap.errors import OutputError

__all__ = ["LOCK_NAME", "folder_lock"]

LOCK_NAME = ".sdap_run.lock"


def _try_lock(fd: int) -> bool:
    """Take the lock without waiting; False when another process holds it."""
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text())
        return f" (process {info['pid']} on {info['host']}, since {info['started']})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


@contextmanager
def folder_lock(outdir: Path) -> Iterator[None]:
    """Hold `outdir`'s run lock, or raise `OutputError` naming the run that holds it."""
    path = outdir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise OutputError(f"cannot write into the output folder {outdir} "
                          f"({err.strerror or err}); make the folder writable or choose "
                          f"another --output") from None
    try:
        if not _try_lock(fd):
            raise OutputError(f"another napari-sdap run is writing into {outdir}"
                              f"{_holder(path)}; wait for it to finish, stop it, or choose "
                              f"another --output")
    except BaseException:
        os.close(fd)
        raise
    try:
        info = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": now()})
        if os.name != "nt":  # a locked byte cannot be read on Windows: no holder named there
            os.ftruncate(fd, 0)
            os.write(fd, info.encode())
        yield
    finally:
        with suppress(OSError):  # Windows keeps an open file: it stays, and is taken over
            path.unlink(missing_ok=True)  # while still held: the folder is left as it was
        os.close(fd)  # closing the file releases the lock
