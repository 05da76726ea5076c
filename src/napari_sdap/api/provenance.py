"""The provenance record stored with every denoised output (one schema for API, CLI and napari).

Written into the output's metadata (zarr attributes ``napari_sdap.metadata``, the TIFF
description's ``Info``) and into a napari layer's ``metadata["sdap"]``. docs/provenance.md
describes every field; `SCHEMA` changes when a field changes meaning or is removed.
"""

from __future__ import annotations

import datetime
import json
import os
from typing import Any

import numpy as np

from napari_sdap.api.training_record import software_versions
from napari_sdap.errors import ConfigError
from napari_sdap.io.output_record import output_records, store_records
from napari_sdap.paths import printable

__all__ = ["SCHEMA", "output_records", "provenance", "store_records"]

SCHEMA = "napari-sdap/provenance/1"


TRAINED_ON_SHOWN = 32
"""How many of a model's training images an output's record names; a model trained on more
(a CLI training on a folder of 2000 files) made every output carry them all (a 32 x 32 output:
121 KB, 4 KB of it pixels), and the model file (`model.sha256`) lists them all anyway."""


def _trained_on(names: list[str]) -> list[str]:
    if len(names) <= TRAINED_ON_SHOWN:
        return list(names)
    rest = len(names) - TRAINED_ON_SHOWN + 1
    return [*names[:TRAINED_ON_SHOWN - 1],
            f"... and {rest} more of the {len(names)} training images (the model file lists "
            f"them all: napari-sdap info)"]


def _absolute(path: Any) -> str:
    """`path` from the root, so that the record still names it read from elsewhere."""
    return os.path.abspath(os.path.expanduser(str(path)))


def _made_by_sdap(path: Any) -> dict[str, Any] | None:
    """Of an input that is itself a napari-sdap output (a result denoised again): what made
    it, from its own record (when, the mode, the model file and its sha256, its input, and
    what made that input where it was one too); None for other inputs or unreadable ones."""
    from pathlib import Path

    try:
        for record in output_records(Path(str(path))):
            if isinstance(record, dict) and str(record.get("schema", "")).startswith(
                    "napari-sdap/provenance/"):
                made, source = record.get("model") or {}, record.get("input") or {}
                opened = _read_from(source.get("path"), record.get("run") or {})
                return {"schema": record.get("schema"), "created": record.get("created"),
                        "mode": record.get("mode"),
                        "model": {"file": made.get("file"), "sha256": made.get("sha256")},
                        "input": {"path": source.get("path"),
                                  **({"source": opened} if source.get("path") is None
                                     and opened else {}),
                                  **({"napari_sdap": source["napari_sdap"]}
                                     if source.get("napari_sdap") else {})}}
    except Exception:  # (not an image it can read, a record of another shape: no record)
        return None
    return None


def _read_from(input_path: Any, run: dict[str, Any] | None) -> Any:
    """The file the input was read from: its path, else the file a napari layer was read
    from (`run.source`: a result saved with Save as... and opened again, denoised again)."""
    if input_path is not None:
        return input_path
    return run.get("source") if isinstance(run, dict) else None


def _front_end_settings(run: Any) -> dict[str, Any]:
    """`run` (a front end's own settings, recorded with the output) checked before any work:
    a dict of JSON values (anything else raised a raw `TypeError`, or failed at the write)."""
    if run is None:
        return {}
    try:
        if not isinstance(run, dict):
            raise TypeError(f"a {type(run).__name__}, not a dict")
        json.dumps(run)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"run={printable(repr(run)[:80])}: the front end's settings recorded "
                          f"with the output must be a dict of JSON values (text, numbers, "
                          f"True/False/None, lists and dicts of them) ({err}); convert the "
                          f"values, e.g. str(path)") from None
    return dict(run)


def provenance(model: Any, *, mode: str, detail: bool, input_axes: str, flips: int = 1,
               restore: bool | None = None, refine: Any = None,
               input_shape: tuple[int, ...], input_dtype: Any, output_dtype: Any,
               input_path: Any = None, input_metadata: dict[str, Any] | None = None,
               model_file: str | None = None, model_sha256: str | None = None,
               front_end: str = "api", run: dict[str, Any] | None = None,
               device: str | None = None, tile: int | None = None, batch: int | None = None,
               compiled: bool | None = None, precision: str | None = None,
               warning: str | None = None) -> dict[str, Any]:
    """The record of one denoising of an image by `model` (an `SDAPModel`).

    `mode` is the resolved mode, `detail` whether the detail restore ran, `restore` the call's
    setting of it (None: `detail`; the student never runs the restore, it learned it, but the
    setting still turns on the output blur and mix chosen for it), `refine` the steps around
    the network (`infer.refine.Refine`, for the blur and mix that ran) and `flips` how many
    flips the network was averaged over; the recorded config is the model's with those set as
    they were used. `front_end` names who ran it (`api`,
    `cli`, `napari`) and `run` holds that front end's own settings (JSON-able). Without
    `model_file`, the file the model was loaded from or saved to is recorded (`model.source`,
    while the model is unchanged since). `device` (resolved: never `auto`), `tile` (the edge
    the run starts with), `batch` (tiles per network call: one on a CPU) and `compiled`
    (whether torch.compile runs) replace the model's own settings in the recorded config,
    with torch's CPU threads beside it: outputs differ in their last digits across devices
    and thread counts. `precision`: the network's arithmetic in this run (`bfloat16` autocast
    on CUDA devices that support it, else `float32`).
    `warning`: why the output may be wrong (an image unlike the model's training data,
    `api.intensity`), kept with the output as it was shown while it ran."""
    import torch

    source = getattr(model, "source", None)
    if model_file is None and source is not None:
        model_file, model_sha256 = source
    config = model.config.model_dump(mode="json")
    setting = bool(detail if restore is None else restore)  # what reproduces this output
    config["inference"].update(mode=mode, restore_detail=setting, flips=int(flips))
    if device is not None:  # where it ran, not the model's (training) device or 'auto'
        config["device"] = str(device)
    if tile is not None:
        config["tiling"]["tile"] = int(tile)
    if batch is not None:
        config["tiling"]["batch_tiles"] = int(batch)
    if compiled is not None:
        config["tiling"]["compile"] = bool(compiled)
    r = model.record
    return {
        "schema": SCHEMA,
        "software": software_versions(),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "detail_restore": bool(detail),
        "output_blur": float(getattr(refine, "blur", 0.0)),
        "colour_blur": float(getattr(refine, "colour_blur", 0.0)),
        "output_mix": float(getattr(refine, "mix", 0.0)),
        "flips": int(flips),
        "config": config,
        "threads": int(torch.get_num_threads()),
        "precision": precision,
        "model": {"file": model_file, "sha256": model_sha256, "steps": r.steps,
                  "student_steps": r.student_steps, "final_loss": r.final_loss, "seed": r.seed,
                  "noise": r.noise, "trained_on": _trained_on(r.trained_on),
                  "versions": dict(r.versions), "precision": r.precision,
                  "runs": [run.model_dump(mode="json") for run in r.runs]},
        "input": {"path": None if input_path is None else _absolute(input_path),
                  "axes": input_axes,
                  "shape": [int(s) for s in input_shape], "dtype": str(np.dtype(input_dtype)),
                  "metadata": dict(input_metadata or {}),
                  **({"napari_sdap": made} if (read := _read_from(input_path, run)) is not None
                     and (made := _made_by_sdap(read)) else {})},
        "output": {"dtype": str(np.dtype(output_dtype))},
        "warning": warning,
        "front_end": front_end,
        "run": _front_end_settings(run),
    }
