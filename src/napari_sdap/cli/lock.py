"""One batch at a time per output folder: `DIR/.sdap_run.lock`, held for the whole run.

Two runs into one folder would each rewrite the run record from their own copy, and the second
could replace outputs the first is still writing. The lock is an operating-system lock on the
file (`flock`; `msvcrt.locking` on Windows), so it goes away with the process that held it: a
killed or crashed run never leaves the folder locked (only the file, which the next run
takes over). The file names the process that holds it, for the message a second run prints.
"""

from __future__ import annotations

import errno
import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from napari_sdap.cli.record import RECORD_NAME, now
from napari_sdap.errors import OutputError

__all__ = ["LOCK_NAME", "folder_lock", "remove_unused", "unused_removed"]

LOCK_NAME = ".sdap_run.lock"


class NoLocks(Exception):
    """The file system takes no locks (some network mounts): the run goes on unlocked."""


def _try_lock(fd: int) -> bool:
    """Take the lock without waiting; False when another process holds it (`NoLocks` where
    the file system has no locks)."""
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
    except OSError as err:
        if err.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            raise NoLocks(err.strerror or str(err)) from None
        raise
    return True


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text())
        return f" (process {info['pid']} on {info['host']}, since {info['started']})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _open(path: Path, outdir: Path) -> tuple[int, bool]:
    """(descriptor of the lock file at `path` itself, whether it is open for writing). A link
    there is refused: it could point anywhere."""
    if path.is_symlink() or path.is_dir():
        kind = "a link" if path.is_symlink() else "a folder"
        raise OutputError(f"{path} is {kind}, where napari-sdap keeps its lock file; remove "
                          f"or rename it, or choose another --output")
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | nofollow, 0o644), True
    except PermissionError:  # a lock file another user's run left: flock needs no write
        try:  # access, only the holder's name cannot be written into it
            return os.open(path, os.O_RDONLY | nofollow), False
        except OSError as err:
            raise _unwritable(outdir, err) from None
    except OSError as err:
        raise _unwritable(outdir, err) from None


def _open_locked(path: Path, outdir: Path) -> tuple[int, bool]:
    """(descriptor of `path`, locked by us). The file is the one at `path` now: a run that
    ends unlinks its lock file, and a descriptor of the file it unlinked would lock nothing
    (then this tries again). A lock file we cannot write (another user's run left it) is
    replaced once it is locked, so that the file names the run that holds the lock."""
    for _ in range(20):
        fd, writable = _open(path, outdir)
        try:
            if not _try_lock(fd):
                return fd, False
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same and (writable or not _unlinked(path)):
            return fd, True
        os.close(fd)  # unlinked (by the run that just ended, or here): lock the new file
    raise OutputError(f"cannot lock the output folder {outdir}: its lock file {path} keeps "
                      f"changing; check that no other program removes it")


def _unlinked(path: Path) -> bool:
    try:
        path.unlink()
    except OSError:
        return False
    return True


def _unwritable(outdir: Path, err: OSError) -> OutputError:
    return OutputError(f"cannot write into the output folder {outdir} ({err.strerror or err}); "
                       f"make the folder writable or choose another --output")


@contextmanager
def folder_lock(outdir: Path, warn: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold `outdir`'s run lock, or raise `OutputError` naming the run that holds it. Where
    the file system takes no locks, `warn` is told and the run goes on unlocked."""
    path = outdir / LOCK_NAME
    try:
        fd, locked = _open_locked(path, outdir)
    except NoLocks as err:
        with suppress(OSError):  # the empty file made for the lock: not left behind
            if path.stat().st_size == 0 and not path.is_symlink():
                path.unlink()
        if warn is not None:
            warn(f"the output folder's file system takes no locks ({err}), so a second run "
                 f"into {outdir} at the same time would not be refused: start one at a time")
        yield
        return
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


@contextmanager
def unused_removed(folder: Path, made: bool) -> Iterator[None]:
    """Where what runs inside fails and the run `made` the output `folder`, remove it if it
    holds nothing but an empty run record (`remove_unused`)."""
    try:
        yield
    except BaseException:
        if made:
            remove_unused(folder)
        raise


def remove_unused(folder: Path) -> None:
    """Remove an output `folder` that a run made and left with nothing in it but an empty run
    record (a run refused before it began: all its training inputs unreadable, a model that
    is not its own), so that nothing looks like a run's result."""
    try:
        names = {p.name for p in folder.iterdir()}
        if names - {RECORD_NAME}:
            return
        if names:
            data = json.loads((folder / RECORD_NAME).read_text())
            if not isinstance(data, dict) or data.get("files") or data.get("runs"):
                return
            (folder / RECORD_NAME).unlink()
        folder.rmdir()
    except (OSError, ValueError):  # (read-only, or changed meanwhile: left as it is)
        return
