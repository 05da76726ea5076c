"""Model files: one safetensors file whose header carries the JSON description.

The JSON (format version, full `SDAPConfig`, normalisation, training record) sits in the
safetensors metadata under the key ``napari_sdap``, together with a SHA-256 over that JSON and
every tensor, so truncated or edited files are refused. Loading never unpickles anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from pydantic import ValidationError

from napari_sdap.errors import ModelFileError, OutputError
from napari_sdap.paths import file_mode

__all__ = ["FORMAT_VERSION", "read_model_file", "write_model_file"]

FORMAT_VERSION = "1.0"
_KEY, _SUM = "napari_sdap", "napari_sdap_sha256"


def _digest(meta_json: str, tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256(meta_json.encode())
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def write_model_file(path: str | os.PathLike[str], tensors: dict[str, torch.Tensor],
                     meta: dict[str, Any], overwrite: bool = True) -> Path:
    """Write tensors + metadata atomically (temporary file in the same folder, then rename)."""
    from safetensors.torch import save_file

    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputError(f"model file {path} already exists; choose another name or pass "
                          f"overwrite=True")
    if not path.parent.is_dir():
        raise OutputError(f"folder {path.parent} does not exist; create it first")
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    meta_json = json.dumps({"format_version": FORMAT_VERSION, **meta}, sort_keys=True)
    header = {_KEY: meta_json, _SUM: _digest(meta_json, tensors)}
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as err:  # read-only folder, no permission, disk full
        raise OutputError(f"cannot write model file {path}: {err.strerror or err}; choose a "
                          f"writable folder") from err
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=header)
        os.chmod(tmp, file_mode())  # mkstemp made it 0600; a lab shares its models
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write model file {path}: {err.strerror or err}") from err
    except BaseException:  # Ctrl-C, stop, or any other failure: no partial file stays behind
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_model_file(path: str | os.PathLike[str]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read and verify a model file; returns (tensors, metadata)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file, safe_open

    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file; give the path of the "
                             f".safetensors file inside it")
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist; check the path")
    _check_magic(path)
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
    if header.get(_SUM) != _digest(meta_json, tensors):
        raise ModelFileError(f"{path} failed its checksum: the file was modified after saving; "
                             f"use the original file")
    try:
        meta = json.loads(meta_json)
    except json.JSONDecodeError as err:
        raise ModelFileError(f"{path} has unreadable metadata ({err})") from None
    version = str(meta.get("format_version", "?"))
    if version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise ModelFileError(
            f"{path} has model format version {version}, this napari-sdap reads "
            f"{FORMAT_VERSION.split('.')[0]}.x; use the napari-sdap version that wrote it"
        )
    return tensors, meta


def _check_magic(path: Path) -> None:
    """Name pickle / PyTorch checkpoints and unreadable files before safetensors sees them.

    Only the first bytes are read; nothing in the file is ever executed or unpickled.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except PermissionError:
        raise ModelFileError(f"cannot read model file {path}: permission denied; check the "
                             f"file's permissions or copy it somewhere readable") from None
    except OSError as err:
        raise ModelFileError(f"cannot read model file {path}: {err.strerror or err}; check "
                             f"the path and the disk") from None
    kind = ("a Python pickle" if head[:1] == b"\x80" else
            "a zip archive (e.g. a PyTorch .pt/.pth checkpoint)" if head[:4] == b"PK\x03\x04"
            else None)
    if kind:
        raise ModelFileError(f"{path} is {kind}, not a napari-sdap model file; napari-sdap never "
                             f"unpickles files (they can run code); use a model saved with "
                             f"SDAPModel.save (.safetensors)")


def invalid_meta(path: Path | str, err: ValidationError) -> ModelFileError:
    """Describe metadata that fails validation."""
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return ModelFileError(f"{path} holds invalid settings ({where}: {first['msg']}); "
                          f"the file was not written by this napari-sdap or was edited")
