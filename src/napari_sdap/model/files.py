"""Model files: one safetensors file whose header carries the JSON description.

The JSON (format version, full `SDAPConfig`, normalisation, training record) sits in the
safetensors metadata under the key ``napari_sdap``, together with a SHA-256 over that JSON and
every tensor, so truncated or edited files are refused. Loading never unpickles anything.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import torch
from pydantic import ValidationError

from napari_sdap.errors import ModelFileError, OutputError
from napari_sdap.model.header import read_header, sort_header
from napari_sdap.paths import (
    atomic_write,
    broken_link,
    long_name,
    not_utf8,
    printable,
    zarr_node,
)
from napari_sdap.values import check_overwrite

__all__ = ["FORMAT_VERSION", "read_model_file", "write_model_file"]

FORMAT_VERSION = "1.1"
"""1.1 adds the distilled student (tensors `student.*`, metadata `student`; a 3-D model's
student also records its `in_channels` and `out_channels`); 1.0 files load."""
_KEY, _SUM = "napari_sdap", "napari_sdap_sha256"


def _digest(meta_json: str, tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256(meta_json.encode())
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        # reshape(-1): the same bytes as the tensor itself, also for 0-d tensors
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def write_model_file(path: str | os.PathLike[str], tensors: dict[str, torch.Tensor],
                     meta: dict[str, Any], overwrite: bool = False) -> Path:
    """Write tensors + metadata atomically (temporary file in the same folder, then rename).

    An existing file is replaced only with `overwrite=True`, and only once the new one is
    complete; if writing fails (disk full, ...) it is left as it was and no temporary remains.
    """
    from safetensors import SafetensorError
    from safetensors.torch import save_file

    path, overwrite = Path(path), check_overwrite(overwrite)
    if why := long_name(path, "model file"):  # (first: stat raises on such a name)
        raise OutputError(why)
    if path.is_dir():
        raise OutputError(f"{path} is a folder, not a model file name; give a file path such as "
                          f"{path / 'model.safetensors'}")
    if path.exists() and not path.is_file():
        raise OutputError(f"{path} exists and is not a regular file (a device, pipe or socket); "
                          f"choose another model file name")
    if path.exists() and not overwrite:
        raise OutputError(f"model file {path} already exists; choose another name or pass "
                          f"overwrite=True (CLI train: --overwrite)")
    if not overwrite and (why := broken_link(path, "model file", "overwrite=True (CLI train: "
                                                                 "--overwrite)")):
        raise OutputError(why)  # (else refused after the write, as saved meanwhile)
    if path.parent.exists() and not path.parent.is_dir():  # (said "does not exist")
        raise OutputError(f"{path.parent} is a file, not a folder, so {path.name} cannot go "
                          f"inside it; choose another path")
    if not path.parent.is_dir():
        raise OutputError(f"folder {path.parent} does not exist; create it first")
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    meta_json = json.dumps({"format_version": FORMAT_VERSION, **meta}, sort_keys=True)
    header = {_KEY: meta_json, _SUM: _digest(meta_json, tensors)}
    try:
        with atomic_write(path, sync=True, replace=overwrite) as tmp:  # Ctrl-C or any
            save_file(tensors, str(tmp), metadata=header)  # failure: no partial file
            sort_header(tmp)  # (one SHA-256 per model)
    except FileExistsError as err:  # saved there by another process while this one wrote
        raise OutputError(f"model file {path} already exists: it was saved while this one was "
                          f"written (another save or process); choose another name or pass "
                          f"overwrite=True (CLI train: --overwrite), then save again (the model "
                          f"is still in memory; the file saved meanwhile was left unchanged)"
                          ) from err
    except (OSError, SafetensorError) as err:  # safetensors raises its own error on ENOSPC
        raise OutputError(_cannot_write(path, err)) from err
    return path


def _cannot_write(path: Path, err: BaseException) -> str:
    """What went wrong writing a model file, and what to do (the model is still in memory)."""
    reason = (err.strerror if isinstance(err, OSError) and err.strerror else str(err)) or repr(err)
    full = (isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)) or any(
        word in reason for word in ("No space left", "StorageFull", "os error 28", "quota"))
    fix = ("the disk is full: free some space or choose a folder on another disk" if full else
           "choose a writable folder or another file name")
    return (f"cannot write model file {path}: {reason}; {fix}, then save again (the model is "
            f"still in memory; an existing file of that name was left unchanged)")


def read_model_file(path: str | os.PathLike[str]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read and verify a model file; returns (tensors, metadata)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file, safe_open

    path = Path(path)
    if path.is_dir():
        raise ModelFileError(_folder_message(path))
    if path.exists() and not path.is_file():
        raise ModelFileError(f"{path} is not a regular file (a device, pipe or socket), not a "
                             f"model file; give the path of the model file")
    if not path.is_file():
        link = (f" (a link to {printable(os.readlink(path))}, which does not exist: a moved or "
                f"unmounted file)" if path.is_symlink() else "")
        raise ModelFileError(f"model file {path} does not exist{link}; check the path")
    _check_magic(path)
    if not_utf8(str(path)):  # (safetensors: "Path ... is not valid UTF-8")
        raise ModelFileError(f"model file path {printable(path)} is not UTF-8 text (bytes of "
                             f"another encoding, e.g. Latin-1 from an old share), which "
                             f"safetensors cannot open; rename it (or its folder) in UTF-8")
    try:
        with safe_open(str(path), framework="pt") as f:
            header = f.metadata() or {}
        tensors = load_file(str(path))
    except PermissionError:
        raise ModelFileError(f"cannot read model file {path}: permission denied; check the "
                             f"file's permissions or copy it somewhere readable") from None
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ModelFileError(
            f"{path} is not a readable napari-sdap model file (truncated, corrupted or another "
            f"format: {err}); save the model again or use the original file"
        ) from None
    if _KEY not in header:
        raise ModelFileError(f"{path} is a safetensors file but not a napari-sdap model (no "
                             f"'{_KEY}' metadata); load it with the tool that wrote it")
    meta_json = header[_KEY]
    if _SUM not in header:
        raise ModelFileError(f"{path} has '{_KEY}' metadata but no checksum ('{_SUM}'): it was "
                             f"not written by napari-sdap's save, or was edited; use the "
                             f"original file or save the model again")
    try:
        digest = _digest(meta_json, tensors)
    except (RuntimeError, TypeError, ValueError) as err:  # a tensor type torch cannot view
        raise ModelFileError(f"{path} holds a tensor napari-sdap cannot read ({err}); use the "
                             f"original file") from None
    if header.get(_SUM) != digest:
        raise ModelFileError(f"{path} failed its checksum: the file was modified after saving; "
                             f"use the original file")
    try:
        meta = json.loads(meta_json)
    except (ValueError, RecursionError) as err:  # RecursionError: nested too deep
        raise ModelFileError(f"{path} has unreadable metadata ({err}); the file was not written "
                             f"by napari-sdap or was edited") from None
    if not isinstance(meta, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(meta), "a number")
        raise ModelFileError(f"{path} has metadata that is {kind} in JSON, not an object; the "
                             f"file was not written by napari-sdap or was edited")
    version = str(meta.get("format_version", "?"))
    if version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise ModelFileError(
            f"{path} has model format version {version}, this napari-sdap reads "
            f"{FORMAT_VERSION.split('.')[0]}.x; use the napari-sdap version that wrote it"
        )
    return tensors, meta


def _yaml_message(path: Path) -> str:
    """Why a YAML file given as a model is refused: the description (`rdf.yaml`) of an unpacked
    bioimage.io package, whose napari-sdap model file lies beside it, is named if so."""
    inside = sorted(path.parent.glob("*.safetensors"))
    fix = (f"give the model file beside it ({inside[0]})" if inside else
           "give a napari-sdap model (.safetensors) or a package exported by napari-sdap "
           "(.zip)")
    return (f"{path} is a YAML text (e.g. the rdf.yaml description of a bioimage.io package), "
            f"not a model file; {fix}")


def _folder_message(path: Path) -> str:
    """Why a folder given as a model is refused, with what to give instead: a zarr store is
    an image; another folder may hold model files, named if so."""
    if path.name.lower().endswith(".zarr") or zarr_node(path):
        return (f"{path} is a zarr image store, not a model file; give the model "
                f"(.safetensors) with --model / load_model, and images as inputs")
    try:
        models = sorted(p.name for p in path.iterdir() if p.suffix == ".safetensors")
    except OSError:
        models = []
    if not models:
        return f"{path} is a folder, not a model file, and holds no .safetensors file; give " \
               f"the path of the model file"
    shown = ", ".join(str(path / name) for name in models[:3])
    return f"{path} is a folder, not a model file; give the path of the model file inside " \
           f"it ({shown}{' ...' if len(models) > 3 else ''})"


def _check_magic(path: Path) -> None:
    """Name pickle / PyTorch checkpoints and unreadable files before safetensors sees them.

    A file that starts with a well-formed safetensors header passes, whatever its first byte
    (the header length's low byte is 0x80, a pickle's first byte, in 1 file in 32); only other
    files are named by their first bytes. Nothing in the file is ever executed or unpickled.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if _is_safetensors(f, head, os.fstat(f.fileno()).st_size):
                return
    except PermissionError:
        raise ModelFileError(f"cannot read model file {path}: permission denied; check the "
                             f"file's permissions or copy it somewhere readable") from None
    except OSError as err:
        raise ModelFileError(f"cannot read model file {path}: {err.strerror or err}; check "
                             f"the path and the disk") from None
    # pickle protocols 2-5 start with PROTO (0x80, protocol) and then an opcode, never 0x00
    pickled = head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05") \
        and head[2:3] not in (b"", b"\x00")
    kind = ("a Python pickle" if pickled else
            "a zip archive (e.g. a PyTorch .pt/.pth checkpoint)" if head[:4] == b"PK\x03\x04"
            else None)
    if kind and head[:4] == b"PK\x03\x04" and not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path} starts like a zip archive but is not a complete one "
                             f"(truncated or corrupted, e.g. a bioimage.io package cut short); "
                             f"copy or download it again")
    if path.suffix.lower() in (".yaml", ".yml") and not kind:  # (safetensors: "header too
        # large", read as truncated or corrupted)
        raise ModelFileError(_yaml_message(path))
    image = next((name for magic, name in _IMAGES if head.startswith(magic)), None)
    if image:
        raise ModelFileError(f"{path} is {image} image, not a model file; give the model "
                             f"(.safetensors) with --model / load_model, and images as inputs")
    if kind:
        raise ModelFileError(f"{path} is {kind}, not a napari-sdap model file; napari-sdap never "
                             f"unpickles files (they can run code); use a model saved with "
                             f"SDAPModel.save (.safetensors)")


_IMAGES = ((b"II*\x00", "a TIFF"), (b"MM\x00*", "a TIFF"), (b"II+\x00", "a TIFF"),
           (b"MM\x00+", "a TIFF"), (b"\x89PNG", "a PNG"), (b"\xff\xd8\xff", "a JPEG"),
           (b"\x93NUMPY", "a NumPy (.npy)"))
"""First bytes of image files that are given where a model file belongs."""


def _is_safetensors(f: Any, head: bytes, size: int) -> bool:
    """Whether `head` (the first 8 bytes of open file `f`, of `size` bytes) is a safetensors
    header length, followed by that many bytes of JSON holding an object."""
    return read_header(f, head, size, f.name) is not None


def invalid_meta(path: Path | str, err: ValidationError, section: str = "") -> ModelFileError:
    """Describe metadata that fails validation; `section`: the metadata key that was validated
    (prefixed to the field's name; "" for the settings, whose fields are named as they are).
    A field this version does not know may be a newer napari-sdap's: that is said too."""
    first = err.errors()[0]
    where = ".".join(str(p) for p in (section, *first["loc"]) if p != "") or "config"
    msg = first["msg"].removeprefix("Value error, ")
    newer = ""
    if first["type"] == "extra_forbidden":  # (a setting a later version added)
        from napari_sdap import __version__

        newer = (f", or a newer napari-sdap wrote it (this is napari-sdap {__version__}): "
                 f"update napari-sdap to load it")
    return ModelFileError(f"{path} holds invalid settings ({where}: {msg}); "
                          f"the file was not written by this napari-sdap or was edited{newer}")
