"""A very large file denoised over a cluster in pieces, the same on every dask worker.

Such a file is split into ranges of planes along an outer axis (`split_ranges`): each range is
denoised by `denoise_range` into a shared scratch zarr, and `assemble` streams that into the
final output, with the computation per plane of `jobs.denoise_file`, so the pixels are the same.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from napari_sdap.cli.jobs import (
    FileTask,
    denoise_kwargs,
    load_cached_model,
    open_task,
    quiet_intensity,
    result_record,
)
from napari_sdap.errors import InputError
from napari_sdap.paths import hidden_stem

__all__ = ["assemble", "create_scratch", "denoise_range", "remove_all_scratch", "remove_scratch",
           "scratch_dtype", "scratch_path", "split_ranges"]


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
    if not os.path.exists(scratch) and _assembled(task):  # run again by dask (its result was
        return {"planes": stop - start, "seconds": 0.0, "began": time.time(),  # on a worker
                "worker": f"{os.uname().nodename}:{os.getpid()}"}  # that died) after the
    # assembly, which needs it again: the file is done (else its 'scratch does not exist')
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
            with quiet_intensity():  # the whole file's check comes back from `assemble`
                for _ in model.iter_denoise(part, out, src.axes, **denoise_kwargs(task)):
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


def _assembled(task: FileTask) -> bool:
    """Whether the output is there, written by this task's attempt (its scratch is gone)."""
    from napari_sdap.cli.ownership import written_by

    out = Path(task.output)
    return out.exists() and written_by(out, (task.provenance or {}).get("attempt"))


def _done_before(task: FileTask, t0: float, parts: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """The result of an assembly that ended before this run of it (the file was reported
    failed with 'FileNotFoundError: .<name>.parts.zarr does not exist', though complete)."""
    from napari_sdap.api.inputs import open_image

    with open_image(task.input, task.axes, series=task.series) as src:
        axes, shape = src.axes, tuple(int(n) for n in src.array.shape)
    return _assembly_result(axes, shape, t0, parts)


def _assembly_result(axes: str, shape: tuple[int, ...], t0: float,
                     parts: tuple[dict[str, Any], ...], warning: str | None = None
                     ) -> dict[str, Any]:
    """A split file's `result_record` (`assemble`, begun at `t0`, of the pieces' `parts`)."""
    spent = time.perf_counter() - t0
    elapsed = time.time() - min((p.get("began", time.time()) for p in parts), default=time.time())
    # (clocks of other hosts may be a little off: never less than the assembly itself)
    result = result_record(axes, shape, max(elapsed, spent), warning)
    result["compute_seconds"] = round(spent + sum(p["seconds"] for p in parts), 3)
    result["piece_workers"] = sorted({p["worker"] for p in parts})
    return result


def assemble(task: FileTask, axis: int, scratch: str, *parts: dict[str, Any]) -> dict[str, Any]:
    """Stream the finished scratch zarr into the output (atomically), then delete it.

    The result's `seconds` is the time from the start of the first piece to the end of the
    assembly (the pieces ran side by side), `compute_seconds` the time of all pieces plus the
    assembly (what one worker would have spent).
    """
    import zarr

    t0 = time.perf_counter()
    if not os.path.exists(scratch) and _assembled(task):  # run again by dask: the worker of
        return _done_before(task, t0, parts)  # the assembly died before its result was fetched
    model = load_cached_model(task.model_path, task.model_sha256)
    with quiet_intensity(), open_task(task, model) as run:
        axes, shape = run.job.image.axes, run.job.image.shape
        planes = sum(p["planes"] for p in parts)
        if planes != shape[axis]:
            raise RuntimeError(f"only {planes} of {shape[axis]} planes were denoised")
        run.write_from(zarr.open_array(scratch, mode="r"), axis)
    remove_scratch(task.output)
    return _assembly_result(axes, shape, t0, parts, run.job.warning)
