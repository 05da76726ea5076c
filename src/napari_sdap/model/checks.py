"""Checks of a model file's contents beyond its fields: which keys it has, whether its weights
fit the network its settings describe, and whether its parts agree with one another.

The checksum of a model file is a plain SHA-256 that anyone can recompute, so it proves no
origin: everything read from a file is checked here or by the pydantic models it is loaded into.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field, field_validator

from napari_sdap.errors import ModelFileError

__all__ = ["META_KEYS", "STUDENT_PREFIX", "StudentShape", "check_consistency", "check_meta_keys",
           "check_weights", "student_layout", "weight_layout"]

META_KEYS = ("format_version", "config", "normalization", "record", "noise_curve", "student")
"""The top-level keys of a model file's metadata (`student` since format 1.1)."""
STUDENT_PREFIX = "student."
"""Name prefix of the student's tensors in a model file."""


class StudentShape(BaseModel):
    """The student network's shape, as stored in a model file.

    `in_channels` / `out_channels` are written only for a student whose input differs from its
    output (a 3-D model's: all planes of the window in, the centre plane out); without them (2-D
    students, files from before 3-D students) both are the network's `in_channels`, so 2-D model
    files stay as earlier versions wrote and read them."""

    model_config = ConfigDict(extra="forbid")
    width: int = Field(ge=4, le=512)
    dilations: list[int] = Field(min_length=1, max_length=32)
    in_channels: int | None = Field(None, ge=1, le=64 * 9)
    out_channels: int | None = Field(None, ge=1, le=64)

    @staticmethod
    def meta(student: Any) -> dict[str, Any] | None:
        """The shape of `student` (a `model.student.StudentNet`, or None) for a model file: its
        channels only when input and output differ (3-D), so 2-D files stay as they were."""
        if student is None:
            return None
        meta: dict[str, Any] = {"width": student.width, "dilations": list(student.dilations)}
        if student.channels != student.out_channels:
            meta.update(in_channels=student.channels, out_channels=student.out_channels)
        return meta

    def channels(self, network_channels: int) -> tuple[int, int]:
        """(input, output) channels, the absent ones being `network_channels`."""
        return (self.in_channels or network_channels, self.out_channels or network_channels)

    @field_validator("dilations")
    @classmethod
    def _check(cls, value: list[int]) -> list[int]:
        if any(d < 1 or d > 64 for d in value):
            raise ValueError(f"dilations must be 1..64 (got {value})")
        return value

_EDITED = "the file was not written by this napari-sdap or was edited; use the original file"


def check_meta_keys(path: Path | str, meta: dict[str, Any]) -> None:
    """Refuse metadata without settings or with keys this version does not know."""
    unknown = sorted(str(k) for k in meta if k not in META_KEYS)
    if unknown:
        raise ModelFileError(f"{path} holds unknown metadata field(s) {', '.join(unknown)}; "
                             f"{_EDITED} (or a newer napari-sdap wrote it)")
    if "config" not in meta:
        raise ModelFileError(f"{path} holds no network settings (metadata field 'config'); "
                             f"{_EDITED}")


def weight_layout(in_channels: int, out_channels: int, width: int, blocks: int,
                  z_context: int = 0) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    """Name -> (shape, dtype) of every tensor of that network, without allocating its weights
    (`z_context` > 0: the 3-D network with that many context planes each side)."""
    from napari_sdap.model.network import BlindSpotNet
    from napari_sdap.model.network3d import VolumeBlindSpotNet

    with torch.device("meta"):
        net = (VolumeBlindSpotNet(in_channels, width, blocks, z_context) if z_context else
               BlindSpotNet(in_channels, out_channels, width, blocks))
    return {k: (tuple(v.shape), v.dtype) for k, v in net.state_dict().items()}


def student_layout(channels: tuple[int, int], shape: StudentShape
                   ) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    """Name -> (shape, dtype) of every tensor of that student with (input, output) `channels`,
    prefixed as in a model file."""
    from napari_sdap.model.student import StudentNet

    with torch.device("meta"):
        net = StudentNet(channels[0], shape.width, shape.dilations, channels[1])
    return {STUDENT_PREFIX + k: (tuple(v.shape), v.dtype) for k, v in net.state_dict().items()}


def check_weights(path: Path | str, tensors: dict[str, torch.Tensor],
                  layout: dict[str, tuple[tuple[int, ...], torch.dtype]],
                  finite: bool = True) -> None:
    """Every tensor of `layout` present, with its shape and dtype, finite (`finite=False`:
    not looked at, for tensors without data); no other tensor."""
    head = f"{path}: weights do not match the stored network settings"
    missing = sorted(set(layout) - set(tensors))
    if missing:
        raise ModelFileError(f"{head} (missing tensor(s) {', '.join(missing[:5])}"
                             f"{' ...' if len(missing) > 5 else ''}); {_EDITED}")
    extra = sorted(set(tensors) - set(layout))
    if extra:
        raise ModelFileError(f"{head} (unexpected tensor(s) {', '.join(extra[:5])}"
                             f"{' ...' if len(extra) > 5 else ''}); {_EDITED}")
    for name, (shape, dtype) in layout.items():
        t = tensors[name]
        if tuple(t.shape) != shape:
            raise ModelFileError(f"{head} (tensor {name} has shape {list(t.shape)}, the network "
                                 f"needs {list(shape)}); {_EDITED}")
        if t.dtype != dtype:
            raise ModelFileError(f"{head} (tensor {name} is {t.dtype}, the network needs "
                                 f"{dtype}); {_EDITED}")
        if finite and not bool(torch.isfinite(t).all()):
            raise ModelFileError(f"{path}: tensor {name} holds NaN or infinite weights; the "
                                 f"model is damaged (or its training diverged): use the "
                                 f"original file or train again, e.g. with a lower "
                                 f"learning_rate")


def check_consistency(path: Path | str, channels: int, normalization: Any, curve: Any) -> None:
    """The noise curve needs a normalisation, and the same channel groups, with `channels`
    (the network's input channels) channels each."""
    if curve is None:
        return
    if normalization is None:
        raise ModelFileError(f"{path} holds a noise curve but no normalisation; {_EDITED}")
    groups = len(normalization.low)
    if len(curve.levels) != groups:
        raise ModelFileError(f"{path} holds invalid settings (noise_curve.levels: "
                             f"{len(curve.levels)} channel group(s), the normalisation has "
                             f"{groups}); {_EDITED}")
    if len(curve.levels[0]) != channels:
        raise ModelFileError(f"{path} holds invalid settings (noise_curve.levels: "
                             f"{len(curve.levels[0])} channel(s) per group, the network takes "
                             f"{channels}); {_EDITED}")
