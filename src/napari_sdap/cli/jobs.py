"""The work on one file, the same in the CLI process and on a dask worker.

Everything here is importable by dask workers (plain functions of plain, picklable arguments).
A file is denoised whole (`denoise_file`), or, when it is very large and a cluster is used, in
ranges of planes (`cli.pieces`). Both paths run the same per-plane computation, so they give
the same pixels.
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from napari_sdap.errors import ModelFileError

__all__ = ["FileTask", "denoise_file", "denoise_kwargs", "load_cached_model", "open_task",
           "quiet_intensity", "result_record", "worker_device"]

_MODELS: dict[tuple[str, str], Any] = {}


@dataclass(frozen=True)
class FileTask:
    """Everything a worker needs to denoise one file."""

    input: str
    output: str
    model_path: str
    model_sha256: str
    axes: str | None = None
    series: int | None = None
    """Image series of a multi-series input (`open_image(series=)`)."""
    mode: str = "auto"
    tile: int | None = None
    compile: bool = False
    """torch.compile the network (CUDA only; the output differs only by float rounding)."""
    detail: bool = True
    """Apply the detail restore (when the model has a noise curve)."""
    flips: int = 1
    """Flips and quarter turns to average the network over (`SDAPModel.denoise(flips=)`)."""
    device: str = "auto"
    replace: bool = False
    """Whether an existing output may be replaced (it is ours to redo, or --overwrite)."""
    threads: int | None = None
    """Torch CPU threads for this work (None: leave the process setting alone)."""
    provenance: dict[str, Any] | None = None
    """The run's settings, recorded as `run` in the output's provenance (`api.provenance`)."""


def load_cached_model(path: str, sha256: str) -> Any:
    """Load a model once per process, checking it is still the file the run started with."""
    key = (str(path), sha256)
    model = _MODELS.get(key)  # (once: a task of another run in another thread of this worker
    if model is None:  # may replace it meanwhile, which raised KeyError here)
        from napari_sdap.api import load_model

        model = load_model(path)  # (which hashes the file it read: `model.source`)
        if model.source is None or model.source[1] != sha256:
            raise ModelFileError(f"model file {path} changed while the batch was running; "
                                 f"restart the run so every output uses one model")
        _MODELS.clear()
        _MODELS[key] = model
    return model


def worker_device(device: str) -> str:
    """Pin one GPU per dask worker: `cuda:<worker index mod GPUs>` for `auto`/`cuda`.

    The worker index is the number that ends the worker's name. A worker started with
    CUDA_VISIBLE_DEVICES set to one GPU (dask-cuda, SLURM --gpus-per-task) sees it as `cuda:0`.
    Outside a dask worker or without CUDA, `device` is returned unchanged.
    """
    if device not in ("auto", "cuda"):
        return device
    import torch

    if not torch.cuda.is_available():
        return device
    try:
        from distributed import get_worker

        name = str(get_worker().name)
    except (ImportError, ValueError):
        return device
    digits = re.search(r"(\d+)$", name)  # LocalCluster: 0, 1, ...; dask-jobqueue: "Job-3-1"
    index = int(digits.group(1)) if digits else 0
    return f"cuda:{index % torch.cuda.device_count()}"


def denoise_kwargs(task: FileTask) -> dict[str, Any]:
    """Keyword arguments of the API's denoising calls for `task` (per call: the cached model's
    config is never changed)."""
    if task.threads:
        import torch

        torch.set_num_threads(task.threads)
    return {"mode": task.mode, "device": worker_device(task.device), "detail": task.detail,
            "tile": task.tile, "compile": task.compile, "flips": task.flips}


def open_task(task: FileTask, model: Any) -> Any:
    """The API's `DenoiseRun` for `task`: input opened, output temporary created, provenance
    recorded (model file, its hash and the run's settings)."""
    from napari_sdap.api.writing import open_denoise
    from napari_sdap.cli.ownership import written_by

    attempt = (task.provenance or {}).get("attempt")  # this task run again (dask, after its
    ours = Path(task.output).exists() and written_by(Path(task.output), attempt)  # worker died
    # between renaming its output into place and returning) replaces what it wrote: it had
    # been refused as an output that 'already exists', its file failed
    return open_denoise(model, task.input, task.output, task.axes, series=task.series,
                        overwrite=task.replace or ours, model_file=Path(task.model_path).name,
                        model_sha256=task.model_sha256, front_end="cli",
                        run=task.provenance, **denoise_kwargs(task))


@contextmanager
def quiet(logger: str) -> Iterator[None]:
    """Warnings of `logger` left out for the duration: what a worker would print bare that the
    run reports otherwise, named and recorded."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def quiet_intensity() -> Any:
    """The intensity warning comes back with the result (`result_record`), named and recorded; a
    worker process would also print it bare from its log."""
    return quiet("napari_sdap.api.intensity")


def denoise_file(task: FileTask, progress: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """Denoise `task.input` into `task.output` (temporary file, renamed when complete)."""
    t0 = time.perf_counter()
    model = load_cached_model(task.model_path, task.model_sha256)
    with quiet_intensity(), open_task(task, model) as run:  # an interrupt at any point leaves
        # no temporary
        axes, shape = run.job.image.axes, run.job.image.shape
        for step in run.steps():
            if progress is not None:
                progress(step)
    return result_record(axes, shape, time.perf_counter() - t0, run.job.warning)


def result_record(axes: str, shape: tuple[int, ...], seconds: float,
            warning: str | None = None) -> dict[str, Any]:
    """What the run record keeps of a finished file; `warning`: why its output may be wrong
    (an image unlike the training data, `api.intensity`), reported with the file's name."""
    return {"axes": axes, "shape": list(shape), "seconds": round(seconds, 3),
            "mpix_per_s": round(math.prod(shape) / max(seconds, 1e-9) / 1e6, 3),
            "host": os.uname().nodename, "pid": os.getpid(), "warning": warning}
