"""The JSON header at the start of a safetensors file, read without its tensors: to recognise a
model file, and to check what it lists before any weight is read (a crafted file can declare
tensors of gigabytes, or millions of them, in a few bytes of a zip package)."""

from __future__ import annotations

import json
import os
from typing import Any, BinaryIO

from napari_sdap.errors import ModelFileError

__all__ = ["MAX_HEADER", "MAX_TENSORS", "file_header", "read_header", "sort_header"]

MAX_HEADER = 100_000_000
"""The safetensors reader's own limit on the JSON header, in bytes."""
MAX_TENSORS = 4096
"""More tensors than any napari-sdap model holds (the largest settings give about 350): a
header listing more is refused before the safetensors reader builds them (a 100 MB header of
1.5 million empty tensors took 80 s and 3 GB to reach the checksum)."""


class _TooMany(Exception):
    """A safetensors header lists more objects than `MAX_TENSORS` allows."""


def read_header(f: BinaryIO, head: bytes, size: int, name: object) -> dict[str, Any] | None:
    """The header of the safetensors file open as `f` (of `size` bytes, named `name` in
    messages), whose first 8 bytes `head` were just read from it: a JSON object of tensors and
    `__metadata__`; None where `head` is no header length followed by that much JSON holding
    an object. A header of more than `MAX_TENSORS` tensors is a `ModelFileError`."""
    if len(head) < 8:
        return None
    n = int.from_bytes(head, "little")
    if not 2 <= n <= min(size - 8, MAX_HEADER):
        return None
    objects = 0

    def count(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal objects  # one object per tensor, one for the metadata, one for the header
        objects += 1
        if objects > MAX_TENSORS + 2:
            raise _TooMany
        return dict(pairs)

    try:
        header = json.loads(f.read(n), object_pairs_hook=count)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
        return None
    except _TooMany:
        raise ModelFileError(f"{name} lists more than {MAX_TENSORS} tensors, far more than any "
                             f"napari-sdap model holds; it is not a napari-sdap model file: "
                             f"use the original file") from None
    return header if isinstance(header, dict) else None


def file_header(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The safetensors header of the file at `path` (see `read_header`); None where it has
    none or cannot be read, or is no regular file (the full read then names the problem;
    opening a named pipe would wait for a writer)."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as f:
            return read_header(f, f.read(8), os.fstat(f.fileno()).st_size, path)
    except OSError:
        return None


def sort_header(path: str | os.PathLike[str]) -> None:
    """Sort the keys of the JSON header of the safetensors file at `path`, in place: the writer
    lists the metadata keys in an order that varies from one call to the next, so the same
    model saved twice had two SHA-256 sums. The tensors' bytes and offsets (relative to the
    header's end) are unchanged; the header is padded with spaces to a multiple of 8 bytes, as
    the writer pads it (the same length then: only the header is rewritten)."""
    with open(path, "r+b") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.dumps(json.loads(f.read(n)), sort_keys=True, separators=(",", ":"),
                            ensure_ascii=False).encode()
        header += b" " * (-len(header) % 8)
        if len(header) == n:
            f.seek(8)
            f.write(header)
            return
        rest = f.read()
        f.seek(0)
        f.write(len(header).to_bytes(8, "little") + header + rest)
        f.truncate()
