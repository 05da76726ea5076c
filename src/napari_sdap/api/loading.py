"""Loading model files: every field and tensor checked, teacher and student rebuilt."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import torch
from pydantic import ValidationError

from napari_sdap.api.model import SDAPModel, TrainingRecord
from napari_sdap.config import SDAPConfig
from napari_sdap.errors import ModelFileError, SdapError
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.model.checks import (
    STUDENT_PREFIX,
    StudentShape,
    check_consistency,
    check_meta_keys,
    check_weights,
    student_layout,
    weight_layout,
)
from napari_sdap.model.files import _KEY, invalid_meta, read_model_file
from napari_sdap.model.header import file_header
from napari_sdap.model.network3d import network_for
from napari_sdap.model.normalize import Normalization
from napari_sdap.model.student import StudentNet, student_channels
from napari_sdap.paths import sha256_file

__all__ = ["load_model", "model_file_meta"]


def model_file_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON description of a model file (format version, config, record ...), unchecked:
    load the model with `load_model` first to validate it."""
    return read_model_file(path)[1]


def load_model(path: str | os.PathLike[str]) -> SDAPModel:
    """Load a model file written by `SDAPModel.save`, or a bioimage.io package written by
    `SDAPModel.export_bmz` (never unpickles).

    Every field and tensor is checked (the file's checksum proves no origin: anyone can
    recompute it); whatever is wrong is a `ModelFileError` naming it, never another error."""
    from napari_sdap.api.bmz.read import attached_model, is_package

    if not isinstance(path, (str, os.PathLike)):
        raise ModelFileError(f"load_model needs the path of a model file (got "
                             f"{type(path).__name__}); e.g. load_model('model.safetensors')")
    path = Path(path).expanduser()  # ("~/models/m.safetensors", as images and outputs take)
    before = _identity(path)  # (the loader names a file that is missing, a pipe, unreadable)
    try:
        digest = sha256_file(path) if before is not None else None
    except OSError:  # (unreadable: the loader says so in its words)
        digest = None
    try:
        if is_package(path):
            with attached_model(path, check=check_header) as attached:
                try:
                    model = _checked(attached)
                except ModelFileError as err:
                    raise ModelFileError(f"{path}: {err}") from None
        else:
            model = _checked(path)
    except ModelFileError:
        _check_unchanged(path, before)  # (a read across two versions fails its checksum)
        raise
    _check_unchanged(path, before)
    model.source = (Path(path).name, digest or sha256_file(path))  # what outputs record
    model.loaded_from = Path(os.path.realpath(path))  # (exporting over it is refused)
    return model


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    """(device, inode, size, modification time) of the regular file `path`, which a save over
    it changes (a new file renamed into place, or one rewritten); None where it is not one."""
    try:
        st = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _check_unchanged(path: Path, before: tuple[int, int, int, int] | None) -> None:
    """Refuse a model file that another process replaced while it was read: the weights read
    could be of either version (or fail their checksum as "modified"), and the hash outputs
    record as the model's would be the other one's. Compared by identity, not read again."""
    if before is not None and _identity(path) != before:
        raise ModelFileError(f"{path} was replaced while it was read (another process saved over "
                             f"it); load it again")


def _checked(path: str | os.PathLike[str]) -> SDAPModel:
    try:
        return _load(path)
    except SdapError:
        raise
    except Exception as err:  # whatever the checks missed is still one clear, typed error
        raise ModelFileError(f"{path} could not be loaded ({type(err).__name__}: {err}); the "
                             f"file was not written by this napari-sdap or was edited") from None


def check_header(path: str | os.PathLike[str], header: dict[str, Any] | None) -> None:
    """Refuse a file whose safetensors `header` declares more weight data than the network its
    own settings describe needs, naming the tensors that do not fit, before any weight is read
    (a tensor of gigabytes is never allocated). Other files, and headers whose settings do not
    validate, are left to the full checks, which name what is wrong in the usual order."""
    try:
        meta = json.loads(header["__metadata__"][_KEY])  # type: ignore[index]
        layout = _layout(path, SDAPConfig.model_validate(meta["config"]), meta)[0]
        entries = {k: v for k, v in header.items() if k != "__metadata__"}  # type: ignore[union-attr]
        declared = max((int(v["data_offsets"][1]) for v in entries.values()), default=0)
    except Exception:  # no header, not a napari-sdap model, invalid settings: checked later
        return
    needed = sum(math.prod(shape) * dtype.itemsize for shape, dtype in layout.values())
    if declared <= needed + (64 << 20):  # (edits that keep the size: the checksum names them)
        return
    try:
        listed = {name: torch.empty(entry["shape"], device="meta",
                                    dtype=_DTYPES.get(entry["dtype"], torch.uint8))
                  for name, entry in entries.items()}  # (an exotic dtype is no way around it)
    except Exception as err:  # a shape torch cannot make is no way around it either
        raise ModelFileError(f"{path}: weights do not match the stored network settings (the "
                             f"file declares {declared} bytes of weights, the network needs "
                             f"{needed}; {type(err).__name__}: {err}); the file was not written "
                             f"by this napari-sdap or was edited; use the original file") from None
    check_weights(path, listed, layout, finite=False)


_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16,
           "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32, "I16": torch.int16,
           "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool, "C64": torch.complex64,
           "F8_E4M3": torch.float8_e4m3fn, "F8_E5M2": torch.float8_e5m2}
"""torch dtypes of safetensors' dtype names (others are taken as uint8 by the header check:
never the float32 of a weight)."""


def _layout(path: str | os.PathLike[str], config: SDAPConfig, meta: dict[str, Any]
            ) -> tuple[dict[str, Any], StudentShape | None, tuple[int, int]]:
    """The tensors the network of `config` and the `student` of `meta` need, the student's
    shape and its (input, output) channels."""
    n = config.network
    layout = weight_layout(n.in_channels, n.out_channels, n.width, n.blocks,
                           n.z_context if n.dims == 3 else 0)
    shape, channels = None, student_channels(n)
    if meta.get("student") is not None:
        try:
            shape = StudentShape.model_validate(meta["student"])
        except ValidationError as err:
            raise invalid_meta(path, err, "student") from None
        if shape.channels(n.in_channels) != channels:
            raise ModelFileError(
                f"{path} holds invalid settings (student: {shape.channels(n.in_channels)} "
                f"input and output channels, the network settings need {channels}); the file "
                f"was not written by this napari-sdap or was edited")
        layout.update(student_layout(channels, shape))
    return layout, shape, channels


_RETIRED = {"record": ("restore_share",)}
"""Fields earlier napari-sdap versions wrote that later ones dropped (informative only): left
out on loading, so those files load (they were refused as edited or from a newer version).
`restore_share`: the share of the residual the detail restore gave back (1 December 2026)."""


def _load(path: str | os.PathLike[str]) -> SDAPModel:
    check_header(path, file_header(path))
    tensors, meta = read_model_file(path)
    check_meta_keys(path, meta)
    parts: dict[str, Any] = {}
    for key, kind in (("config", SDAPConfig), ("normalization", Normalization),
                      ("record", TrainingRecord), ("noise_curve", NoiseCurve)):
        value = meta.get(key)  # noise_curve: absent in files from before the detail restore
        if isinstance(value, dict) and _RETIRED.get(key):  # (files of earlier versions)
            value = {k: v for k, v in value.items() if k not in _RETIRED[key]}
        if value is None and key != "config":
            parts[key] = TrainingRecord() if key == "record" else None
            continue
        try:
            parts[key] = kind.model_validate(value)
        except ValidationError as err:
            raise invalid_meta(path, err, "" if key == "config" else key) from None
    config: SDAPConfig = parts["config"]
    n = config.network
    layout, shape, channels = _layout(path, config, meta)
    check_weights(path, tensors, layout)
    check_consistency(path, n.in_channels, parts["normalization"], parts["noise_curve"])
    net = network_for(n)
    net.load_state_dict({k: v for k, v in tensors.items() if not k.startswith(STUDENT_PREFIX)},
                        strict=True)
    net.eval()
    student = None
    if shape is not None:
        student = StudentNet(channels[0], shape.width, shape.dilations, channels[1])
        student.load_state_dict({k.removeprefix(STUDENT_PREFIX): v for k, v in tensors.items()
                                 if k.startswith(STUDENT_PREFIX)}, strict=True)
        student.eval()
    return SDAPModel(config, net, parts["normalization"], parts["record"], parts["noise_curve"],
                     student)

