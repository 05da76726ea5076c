"""The work on one file, the same in the CLI process and on a dask worker.

Everything here is importable by dask workers (plain functions of plain, picklable arguments).
A file is either denoised whole (`denoise_file`), or, when it is very large and a cluster is used,
split into ranges of planes along an outer axis (`split_ranges`): each range is denoised by
`denoise_range` into a shared scratch zarr, and `assemble` streams that into the final output.
Both paths run the same per-plane computation, so they give the same pixels.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from napari_sdap.errors import InputError, ModelFileError
from napari_sdap.paths import hidden_stem

__all__ = ["FileTask", "assemble", "denoise_file", "denoise_range", "split_ranges"]

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
    if key not in _MODELS:
        from napari_sdap.api import load_model

        model = load_model(path)  # (which hashes the file it read: `model.source`)
        if model.source is None or model.source[1] != sha256:
            raise ModelFileError(f"model file {path} changed while the batch was running; "
                                 f"restart the run so every output uses one model")
        _MODELS.clear()
        _MODELS[key] = model
    return _MODELS[key]


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


def _denoise_kwargs(task: FileTask) -> dict[str, Any]:
    """Keyword arguments of the API's denoising calls for `task` (per call: the cached model's
    config is never changed)."""
    if task.threads:
        import torch

        torch.set_num_threads(task.threads)
    return {"mode": task.mode, "device": worker_device(task.device), "detail": task.detail,
            "tile": task.tile, "compile": task.compile, "flips": task.flips}


def _open(task: FileTask, model: Any) -> Any:
    """The API's `DenoiseRun` for `task`: input opened, output temporary created, provenance
    recorded (model file, its hash and the run's settings)."""
    from napari_sdap.api.writing import open_denoise

    return open_denoise(model, task.input, task.output, task.axes, series=task.series,
                        overwrite=task.replace, model_file=Path(task.model_path).name,
                        model_sha256=task.model_sha256, front_end="cli",
                        run=task.provenance, **_denoise_kwargs(task))


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


def _quiet_intensity() -> Any:
    """The intensity warning comes back with the result (`_result`), named and recorded; a
    worker process would also print it bare from its log."""
    return quiet("napari_sdap.api.intensity")


def denoise_file(task: FileTask, progress: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """Denoise `task.input` into `task.output` (temporary file, renamed when complete)."""
    t0 = time.perf_counter()
    model = load_cached_model(task.model_path, task.model_sha256)
    with _quiet_intensity(), _open(task, model) as run:  # an interrupt at any point leaves
        # no temporary
        axes, shape = run.job.image.axes, run.job.image.shape
        for step in run.steps():
            if progress is not None:
                progress(step)
    return _result(axes, shape, time.perf_counter() - t0, run.job.warning)


def _result(axes: str, shape: tuple[int, ...], seconds: float,
            warning: str | None = None) -> dict[str, Any]:
    """What the run record keeps of a finished file; `warning`: why its output may be wrong
    (an image unlike the training data, `api.intensity`), reported with the file's name."""
    return {"axes": axes, "shape": list(shape), "seconds": round(seconds, 3),
            "mpix_per_s": round(math.prod(shape) / max(seconds, 1e-9) / 1e6, 3),
            "host": os.uname().nodename, "pid": os.getpid(), "warning": warning}


def split_ranges(shape: tuple[int, ...], axes: str, threshold: int,
                 workers: int) -> tuple[int, list[tuple[int, int]]] | None:
    """Plane ranges along the outermost splittable axis, or None when the file stays whole.

    A file is split when it has more than `threshold` pixels and an outer axis (not Y, X or C,
    which carries the per-channel normalisation) of length 2 or more. It is cut into at least
    two ranges per worker and into ranges of at most about `threshold` pixels, along the
    outermost such axis that is long enough for that many, else along the longest (a 2 x 64
    stack of TZ planes is cut along Z). Along the Z or T axis of a 3-D model each range reads
    its neighbouring planes too (`denoise_range`).
    """
    pixels = math.prod(shape)
    if pixels <= threshold:
        return None
    outer = [i for i, a in enumerate(axes) if a not in "YXC" and shape[i] > 1]
    if not outer:
        return None
    wanted = max(2 * max(workers, 1), math.ceil(pixels / threshold))
    axis = next((i for i in outer if shape[i] >= wanted), max(outer, key=lambda i: shape[i]))
    n = shape[axis]
    pieces = min(n, wanted)
    edges = [round(k * n / pieces) for k in range(pieces + 1)]
    return axis, [(a, b) for a, b in itertools.pairwise(edges) if b > a]


def scratch_path(output: str) -> Path:
    """Hidden scratch zarr next to the output, shared by the workers of a split file."""
    out = Path(output)
    return out.with_name(f".{hidden_stem(out.name)}.parts.zarr")


def scratch_dtype(task: FileTask) -> str:
    """The scratch zarr's dtype: the output's default (float64 where float32 would lose the
    grey levels of wide integers, `api.writing.output_dtype`), so that the pieces of a split
    file keep what the output of a whole file keeps."""
    from napari_sdap.api.writing import output_dtype

    model = load_cached_model(task.model_path, task.model_sha256)
    return output_dtype(None, None, model.normalization).name


def create_scratch(output: str, shape: tuple[int, ...], axes: str, axis: int,
                   dtype: str = "float32") -> str:
    """Create the scratch zarr (one chunk per plane along `axis`, so writers never collide)."""
    import zarr

    path = scratch_path(output)
    remove_scratch(output)
    chunks = tuple(1 if i == axis else min(s, 256) if a in "YX" else s if a == "C" else 1
                   for i, (a, s) in enumerate(zip(axes, shape, strict=True)))
    zarr.open_array(str(path), mode="w", shape=shape, chunks=chunks, dtype=dtype,
                    zarr_format=2)
    return str(path)


def remove_all_scratch(folder: Path) -> None:
    """Delete every scratch zarr in the output folder `folder`: called under the folder's lock
    (`cli.lock`), when no other run writes there, so each is a killed run's, also of files
    this run does not denoise."""
    for stale in folder.glob(".*.parts.zarr"):
        shutil.rmtree(stale, ignore_errors=True)


def remove_scratch(output: str) -> None:
    """Delete the scratch zarr of `output` if there is one."""
    path = scratch_path(output)
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)


def denoise_range(task: FileTask, axis: int, start: int, stop: int,
                  scratch: str) -> dict[str, Any]:
    """Denoise planes `start:stop` along `axis` of the input into the scratch zarr.

    The planes are read tile by tile from the file and each tile is written straight into the
    scratch zarr (`io.plane_range`), so a piece is never held in memory whole. Along the volume
    axis of a 3-D model the range is read with `z_context * z_step` planes more on either side
    (fewer at the ends of the stack), so that every plane of the range sees the same
    neighbours as in the whole stack; only the range itself is written."""
    import zarr

    from napari_sdap.api.inputs import PlaneRange, open_image

    t0 = time.perf_counter()
    model = load_cached_model(task.model_path, task.model_sha256)
    with open_image(task.input, task.axes, series=task.series) as src:
        n = model.config.network
        halo = n.z_context * n.z_step if n.dims == 3 and src.axes[axis] == n.along else 0
        size = src.shape[axis]
        lo, hi = max(start - halo, 0), min(stop + halo, size)
        if hi - lo < 2 * halo + 1:  # a range at an end of the stack: still the planes the
            hi = min(lo + 2 * halo + 1, size)  # network needs (extra planes change nothing)
            lo = max(hi - 2 * halo - 1, 0)
        pixels = src.array if src.reader is None else src.reader
        part = PlaneRange(pixels, axis, lo, hi)
        out = PlaneRange(zarr.open_array(scratch, mode="r+"), axis, lo, hi, keep=(start, stop))
        try:
            with _quiet_intensity():  # the whole file's check comes back from `assemble`
                for _ in model.iter_denoise(part, out, src.axes, **_denoise_kwargs(task)):
                    pass
        except InputError as err:
            raise _file_plane(err, model, part, src.axes) from err
    return {"planes": stop - start, "seconds": time.perf_counter() - t0,
            "began": time.time() - (time.perf_counter() - t0),
            "worker": f"{os.uname().nodename}:{os.getpid()}"}


_PLANE = re.compile(r"\bplane (\d+) of the image\b")


def _file_plane(err: InputError, model: Any, part: Any, axes: str) -> InputError:
    """`err` of a piece (a NaN, a damaged chunk) naming the file's plane, not the piece's:
    plane 5 of a stack split into single planes was "plane 0 of the image"."""
    from napari_sdap.api.inputs import prepare_for

    found = _PLANE.search(str(err))
    if found is None:
        return err
    prepared = prepare_for(model, part, axes)
    try:
        loop = prepared.view.loop_axes
        pos = prepared.view.plane_position(int(found.group(1)))
    finally:
        prepared.close()
    plane = 0
    for i in loop:  # (row-major over the looped axes, as `PlaneView` numbers planes)
        plane = plane * int(part.base.shape[i]) + int(pos[i]) + (part.lo if i == part.axis else 0)
    text = str(err)
    return InputError(f"{text[:found.start()]}plane {plane} of the image{text[found.end():]}")


def assemble(task: FileTask, axis: int, scratch: str, *parts: dict[str, Any]) -> dict[str, Any]:
    """Stream the finished scratch zarr into the output (atomically), then delete it.

    The result's `seconds` is the time from the start of the first piece to the end of the
    assembly (the pieces ran side by side), `compute_seconds` the time of all pieces plus the
    assembly (what one worker would have spent).
    """
    import zarr

    t0 = time.perf_counter()
    model = load_cached_model(task.model_path, task.model_sha256)
    with _quiet_intensity(), _open(task, model) as run:
        axes, shape = run.job.image.axes, run.job.image.shape
        planes = sum(p["planes"] for p in parts)
        if planes != shape[axis]:
            raise RuntimeError(f"only {planes} of {shape[axis]} planes were denoised")
        run.write_from(zarr.open_array(scratch, mode="r"), axis)
    remove_scratch(task.output)
    spent = time.perf_counter() - t0
    elapsed = time.time() - min((p.get("began", time.time()) for p in parts), default=time.time())
    # (clocks of other hosts may be a little off: never less than the assembly itself)
    result = _result(axes, shape, max(elapsed, spent), run.job.warning)
    result["compute_seconds"] = round(spent + sum(p["seconds"] for p in parts), 3)
    result["piece_workers"] = sorted({p["worker"] for p in parts})
    return result
