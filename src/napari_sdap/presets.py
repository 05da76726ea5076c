"""Presets (`paper`, `fast`, `tiny`) and building an `SDAPConfig` from one plus flat
overrides such as ``width=64``: what the API, the CLI and the widgets call to make a config."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import ValidationError

from napari_sdap.config import SDAPConfig, TrainingConfig
from napari_sdap.errors import ConfigError
from napari_sdap.kinds import is_whole, lowered

__all__ = ["PAPER_PIXELS", "PRESETS", "apply_overrides", "check_budget", "check_seed",
           "config_from_preset", "describe_presets", "to_config_error"]


PAPER_PIXELS = 1 << 20
"""Least training pixels (planes x height x width, all images) for which `auto` takes `paper`
on a GPU: four 512² frames, as an FMD type has (there `paper` is the better default). On single
frames of 256²-512² its 3.66 M parameters over-trained: `paper` was 0.2-6.3 dB below `fast` on
eight of ten held-out tasks, 1.15 dB on average (docs/benchmarks.md, "The GPU default on
held-out single frames")."""

PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "paper": {
        "network": {"width": 128, "blocks": 9},
        # 1000 teacher steps before a student: on FMD (H200) 2000 lost up to 0.46 dB at stride 1;
        # at stride 2 (no student) 2000 gained 0.14-0.44 (docs/benchmarks.md, "GPU recipe")
        "training": {"steps": 1000, "batch_size": 16, "patch_size": 120,
                     "steps_without_student": 2000},
        # the `fast` student: +0.01 to +0.16 dB over one of width 64 and 3000 steps, same teachers
        "student": {"student_width": 24, "student_steps": 500},
    },
    "fast": {  # C=32, M=3: more PSNR per CPU second than C=48, M=5 (3-4x cheaper per step)
        "network": {"width": 32, "blocks": 3},  # (docs/benchmarks.md, "Time to quality")
        "training": {"steps": 250, "batch_size": 8, "patch_size": 72, "learning_rate": 1e-3,
                     "steps_without_student": 500},  # about the time of 250 plus the student
        # student width 24: same PSNR as 32 on 3 FMD types (-0.03..+0.07 dB), 0.55x the cost
        "student": {"student_width": 24, "student_steps": 500},  # (docs/benchmarks.md)
    },
    "tiny": {
        "network": {"width": 16, "blocks": 2},
        "training": {"steps": 300, "batch_size": 4, "patch_size": 48, "learning_rate": 1e-3},
        "student": {"student_width": 8, "student_dilations": [1, 2, 1], "student_steps": 60,
                    "student_batch": 2, "student_patch": 32, "target_pixels": 16384},
    },
}
"""Network and training defaults per preset: `paper` is DBSNl as published (3.66 M parameters),
`fast` runs on a laptop CPU, `tiny` is for demos and tests."""

_PRESET_USE = {"paper": "as published, for a GPU", "fast": "for a CPU", "tiny": "demos and tests"}


def describe_presets() -> str:
    """One line for help texts, from `PRESETS`: each preset's network and steps, and `auto`."""
    parts = []
    for name, p in PRESETS.items():
        n, t = p["network"], p["training"]
        alone = t.get("steps_without_student")
        steps = f"{t['steps']} steps" + (f", {alone} without a student" if alone else "")
        parts.append(f"{name} (C={n['width']}, M={n['blocks']}, {steps}; "
                     f"{_PRESET_USE.get(name, 'custom')})")
    return ", ".join(parts) + (f"; auto = paper on a GPU for at least "
                               f"{PAPER_PIXELS / 2**20:g} M training pixels, else fast")

_SECTIONS = ("network", "training", "normalization", "inference", "tiling", "student")
_TOP = ("channel_mode", "device", "seed")


def to_config_error(err: ValidationError) -> ConfigError:
    """Turn a pydantic validation error into one readable `ConfigError`."""
    parts = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "config"
        msg = e["msg"].removeprefix("Value error, ")
        got = e.get("input")  # (a section's own rule gets the whole section: not repeated)
        parts.append(f"{where}: {msg} (got {got!r})" if e["loc"] and not isinstance(got, dict)
                     else f"{where}: {msg}" if e["loc"] else msg)
    return ConfigError("invalid settings: " + "; ".join(parts))


def apply_overrides(data: dict[str, Any], **overrides: Any) -> SDAPConfig:
    """Validate nested config `data` after applying flat overrides such as ``width=64``.

    An override is any field name of any section (`width`, `blocks`, `steps`, `stride`,
    `patch_size`, `mode`, `tile`, ...) or a top-level field (`device`, `seed`, `channel_mode`);
    None values are ignored. Unless `patch_size` is given, the patch is rounded down to a
    multiple of the stride.
    """
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    fields = {s: SDAPConfig.model_fields[s].annotation.model_fields for s in _SECTIONS}  # type: ignore[union-attr]
    for key, value in overrides.items():
        if value is None:
            continue
        value = int(value) if isinstance(value, np.integer) else value  # (rounds the patch)
        if key in _TOP:
            data[key] = value
            continue
        section = next((s for s in _SECTIONS if key in fields[s]), None)
        if section is None:
            known = sorted({f for s in _SECTIONS for f in fields[s]} | set(_TOP))
            raise ConfigError(f"unknown setting {key!r}; known settings: {', '.join(known)}")
        data.setdefault(section, {})[key] = value
    train = data.setdefault("training", {})
    if overrides.get("patch_size") is None and isinstance(train.get("stride"), int):
        patch = train.get("patch_size", TrainingConfig.model_fields["patch_size"].default)
        if isinstance(patch, int) and train["stride"] > 0:
            train["patch_size"] = max(patch - patch % train["stride"], 4 * train["stride"])
    try:
        return SDAPConfig.model_validate(data)
    except ValidationError as err:
        raise to_config_error(err) from None


def check_budget(seconds: Any) -> float:
    """A time budget must be a positive, finite number of seconds."""
    number = isinstance(seconds, int | float | np.integer | np.floating)  # (numpy's too)
    if isinstance(seconds, bool) or not number or not 0 < float(seconds) < float("inf"):
        fix = ("the number itself, not text" if isinstance(seconds, str)
               else "None for the configured steps" if number and float(seconds) == float("inf")
               else "e.g. time_budget=60, or None for the configured steps")
        raise ConfigError(f"time_budget must be a positive number of seconds, finite: the wall "
                          f"time the training fits its steps to (got {seconds!r}); give {fix}")
    return float(seconds)


def check_seed(seed: Any) -> int:
    """`seed` if it is a whole number 0..2**32-1, else `ConfigError` (numpy's own errors, or the
    seed 0 for None, would come later)."""
    if not is_whole(seed) or not 0 <= int(seed) <= 2**32 - 1:
        raise ConfigError(f"seed must be a whole number 0..4294967295 (got {seed!r}); the same "
                          f"seed and data give the same model")
    return int(seed)


def config_from_preset(preset: str, channels: int = 1, **overrides: Any) -> SDAPConfig:
    """Build a config from a preset name (`paper`, `fast`, `tiny`) plus flat overrides."""
    preset = lowered(preset)
    if isinstance(preset, str) and preset == "auto":  # (training resolves it before this)
        raise ConfigError(f"preset 'auto' picks a preset from the image, so only training "
                          f"takes it (napari_sdap.train(image, preset='auto')); an untrained "
                          f"model has no image yet: give one of {sorted(PRESETS)}, e.g. "
                          f"create_model('fast')")
    if not isinstance(preset, str) or preset not in PRESETS:
        shown = preset if isinstance(preset, str) else type(preset).__name__
        raise ConfigError(f"preset must be one of {sorted(PRESETS)} or 'auto' where training "
                          f"picks one (got {shown!r}); settings of your own go as keywords, "
                          f"e.g. width=32")
    data: dict[str, Any] = {s: dict(v) for s, v in PRESETS[preset].items()}
    data.setdefault("network", {}).update(preset=preset, in_channels=channels,
                                          out_channels=channels)
    config = apply_overrides(data, **overrides)
    if overrides.get("steps") is not None and overrides.get("steps_without_student") is None:
        # steps given are the steps, a student or none: the preset's steps_without_student
        # replaced them (create_model('fast', steps=2000, student=False) trained 500 steps)
        config.training.steps_without_student = None
    return config
