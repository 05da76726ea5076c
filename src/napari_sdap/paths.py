"""Small file-system helpers shared by every writer (no heavy imports)."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "NAME_MAX",
    "NEARLY_FULL",
    "atomic_write",
    "broken_link",
    "disk_full",
    "file_mode",
    "hidden_stem",
    "long_name",
    "not_utf8",
    "printable",
    "sha256_file",
    "zarr_node",
]


NAME_MAX = 255
"""Bytes in a file name that file systems allow (ext4, APFS, NTFS: 255)."""
_TAG_ROOM = 40
"""Bytes kept for what follows the stem in a temporary's name (`.partial-1234abcd.zarr`)."""


def hidden_stem(name: str) -> str:
    """`name` as the stem of its hidden temporaries (`.<stem>.partial-*`, `.<stem>.old-*`,
    `.<stem>.parts.zarr`): itself where they fit in a file name, else its start and a hash of
    it, so that a name near the limit still has temporaries (and finds them again)."""
    raw = os.fsencode(name)  # (a name not in UTF-8: its bytes on disk)
    room = NAME_MAX - 1 - _TAG_ROOM
    if len(raw) <= room:
        return name
    digest = hashlib.sha256(raw).hexdigest()[:12]
    return raw[: room - 13].decode(errors="ignore") + "~" + digest


def sha256_file(path: str | os.PathLike[str], block: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            h.update(chunk)
    return h.hexdigest()


def file_mode() -> int:
    """Permission bits of a new file under the current umask (0644 for the usual 022).

    `tempfile.mkstemp` creates 0600 files; outputs renamed into place from such a temporary
    would be unreadable to the rest of the lab.
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_write(path: str | os.PathLike[str], *, sync: bool = False,
                 suffix: str = ".partial", replace: bool = True) -> Iterator[Path]:
    """Write one file through a hidden temporary next to it: ``.<name>.<random><suffix>``.

    The block writes the yielded temporary path; when it ends without error the file gets the
    usual permissions (`file_mode`) and is renamed over `path` in one step, so readers see the
    old file or the new one, never a part. Any error (Ctrl-C included) deletes the temporary
    and re-raises; OSErrors (read-only folder, disk full) are for the caller to word.

    `sync`: flush the file to disk before the rename, so that write errors the OS deferred (disk
    full on a network drive or under a quota) surface here and not after the rename. `suffix`
    ends the temporary's name (for writers that insist on a file type, e.g. ``.partial.zip``).
    `replace=False`: a file that appeared at `path` meanwhile (another process saving there at
    the same time) is kept, and `FileExistsError` raised (`_place`).
    """
    path = Path(path)  # (a name near the 255-byte limit: the temporary's is cut, `hidden_stem`)
    fd, name = tempfile.mkstemp(prefix=f".{hidden_stem(path.name)}.", suffix=suffix,
                                dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if sync:
            _sync(tmp)
        os.chmod(tmp, file_mode())
        if replace:
            os.replace(tmp, path)
        else:
            _place(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _place(tmp: Path, path: Path) -> None:
    """Rename `tmp` to `path` unless a file is there, in one step: a hard link fails where the
    name exists (a check before a rename would let a file saved in between be replaced). Where
    a link cannot be made (FAT, some network shares) the name is checked just before the
    rename."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "a file of that name appeared while this one was "
                              "written (another save or process)", str(path)) from None
    except OSError:  # no hard links here (EPERM, ENOTSUP; Windows' FAT and shares: EINVAL, ...):
        # a real fault (a read-only folder) fails the rename as well, in its own words
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "a file of that name appeared while this one "
                                  "was written (another save or process)", str(path)) from None
        os.replace(tmp, path)
    else:
        tmp.unlink()


def long_name(path: str | os.PathLike[str], what: str) -> str | None:
    """Why `path` cannot be written where its name is over `NAME_MAX` bytes (the disk refuses
    it, but only at the end, after the work); None where it fits."""
    size = len(os.fsencode(os.path.basename(path)))
    if size <= NAME_MAX:
        return None
    return (f"{what} name {printable(os.path.basename(path))[:60]}... is {size} bytes long; "
            f"file systems take at most {NAME_MAX}: give a shorter name")


def broken_link(path: str | os.PathLike[str], what: str, option: str) -> str | None:
    """Why `path` cannot be written without `option` where it is a symbolic link to nothing
    (`exists()` is False for it, but a save that keeps existing names fails on it after all its
    work); None where it is not one. `what`: the file's kind in the message."""
    if not os.path.islink(path) or os.path.exists(path):
        return None
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return (f"{what} {printable(path)} is a link to {printable(target)}, which does not exist "
            f"(a moved or unmounted file); choose another name, remove the link, or pass "
            f"{option} to replace the link itself with the new file")


def not_utf8(text: str) -> bool:
    """Whether `text`, a path, holds bytes that are not UTF-8 (Python's lone surrogates for
    them): safetensors opens UTF-8 paths only."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def printable(text: object) -> str:
    """`text` (a path, a line) with bytes that are not UTF-8 (Python's lone surrogates for a
    Latin-1 file name) shown as `\\xe9`: printing, JSON and the scheduler refuse them raw."""
    return str(text).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def zarr_node(path: str | os.PathLike[str]) -> bool:
    """Whether the folder `path` is a zarr array or group: it holds zarr's metadata (v3
    `zarr.json`, v2 `.zarray` / `.zgroup`)."""
    return any(os.path.isfile(os.path.join(path, name))
               for name in ("zarr.json", ".zarray", ".zgroup"))


NEARLY_FULL = 1 << 20
"""A disk with fewer free bytes than this is full, for a short write without an error number."""


def disk_full(path: Path | None, err: OSError) -> bool:
    """Whether `err` means the disk under `path` is full: ENOSPC / EDQUOT, or a short write
    without an error number (tifffile: "N requested and M written") on a disk with less than
    `NEARLY_FULL` bytes left."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if err.errno is not None or path is None:
        return False
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free < NEARLY_FULL
    except OSError:
        return False
