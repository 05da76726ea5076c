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


def _open_locked(path: Path, outdir: Path) -> tuple[int, bool]:
    """(descriptor of `path`, locked by us). The file is the one at `path` now: a run that
    ends unlinks its lock file, and a descriptor of the file it unlinked would lock nothing
    (then this tries again)."""
    for _ in range(20):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError:  # a lock file another user's killed run left: flock needs
            try:  # no write access, only the holder's name is not written then
                fd = os.open(path, os.O_RDONLY)
            except OSError as err:
                raise _unwritable(outdir, err) from None
        except OSError as err:
            raise _unwritable(outdir, err) from None
        if not _try_lock(fd):
            return fd, False
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd, True
        os.close(fd)  # unlinked by the run that just ended: lock the new file instead
    raise OutputError(f"cannot lock the output folder {outdir}: its lock file {path} keeps "
                      f"changing; check that no other program removes it")


def _unwritable(outdir: Path, err: OSError) -> OutputError:
    return OutputError(f"cannot write into the output folder {outdir} ({err.strerror or err}); "
                       f"make the folder writable or choose another --output")


@contextmanager
def folder_lock(outdir: Path) -> Iterator[None]:
    """Hold `outdir`'s run lock, or raise `OutputError` naming the run that holds it."""
    path = outdir / LOCK_NAME
    fd, locked = _open_locked(path, outdir)
    if not locked:
        os.close(fd)
        raise OutputError(f"another napari-sdap run is writing into {outdir}{_holder(path)}; "
                          f"wait for it to finish, stop it, or choose another --output")
    try:
        info = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": now()})
        if os.name != "nt":  # a locked byte cannot be read on Windows: no holder named there
            with suppress(OSError):  # (a read-only lock file: no name, the lock holds)
                os.ftruncate(fd, 0)
                os.write(fd, info.encode())
        yield
    finally:
        with suppress(OSError):  # Windows keeps an open file: it stays, and is taken over
            path.unlink(missing_ok=True)  # while still held: the folder is left as it was
        os.close(fd)  # closing the file releases the lock
