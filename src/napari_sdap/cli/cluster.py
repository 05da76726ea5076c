"""Spreading files (and plane ranges of very large files) over dask.distributed workers."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

from napari_sdap.cli.jobs import FileTask, denoise_file, quiet
from napari_sdap.cli.pieces import (
    assemble,
    create_scratch,
    denoise_range,
    remove_scratch,
    scratch_dtype,
    split_ranges,
)
from napari_sdap.cli.scheduler import connect, dashboard
from napari_sdap.paths import printable

__all__ = ["Submitted", "check_channels", "connect", "dashboard", "run_on_cluster"]


READ_WARNINGS = "napari_sdap.io.zarr_reader"
"""The logger of what reading an input warns of (chunks missing from a zarr input)."""


def on_worker(fn: Callable[..., Any], *args: Any) -> Any:
    """Run the task `fn(*args)` on a worker without the warnings of reading its input: the
    client's probe of the file (`denoise._run_cluster`) showed them once, as a `warning:` line,
    and every worker touching the file would print them again, bare.

    Lazy (dask) inputs, such as a `.png` picture, are read with dask's synchronous scheduler:
    inside a task dask's default is this cluster, whose workers' threads are all busy with
    files, so the read waited for itself forever (a picture with `--workers 1` never ended)."""
    import dask

    with quiet(READ_WARNINGS), dask.config.set(scheduler="synchronous"):
        return fn(*args)


def threads_per_worker(workers: int) -> int:
    """Torch threads per local worker so that the workers share the cores this process may
    run on: those of its allocation (SLURM `--cpus-per-task`, `taskset`, a container's
    cpuset), not all of the machine's, which gave 4 workers on a 4-core allocation of a 64-core
    node 16 threads each."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # (macOS, Windows: no affinity; the machine's cores)
        cores = os.cpu_count() or 1
    return max(1, cores // max(workers, 1))


class Submitted:
    """One file's future(s) on the cluster."""

    def __init__(self, task: FileTask, future: Any, scratch: str | None, parts: list[Any]):
        self.task, self.future, self.scratch, self.parts = task, future, scratch, parts


def submit(client: Any, task: FileTask, shape: tuple[int, ...], axes: str, threshold: int,
           workers: int) -> Submitted:
    """Submit `task` whole, or as plane ranges plus an assembling task for very large files."""
    plan = split_ranges(shape, axes, threshold, workers)
    name = printable(os.path.basename(task.output))  # a key the scheduler can send: a name
    # not in UTF-8
    # (`caf\xe9.tif`) broke its connection, and every file of the batch failed
    sent = absolute(task)
    if plan is None:
        fut = client.submit(on_worker, denoise_file, sent,
                            key=f"sdap-{name}-{os.urandom(4).hex()}", pure=False)
        return Submitted(task, fut, None, [])
    axis, ranges = plan
    scratch = create_scratch(sent.output, shape, axes, axis, scratch_dtype(task))
    parts = [client.submit(on_worker, denoise_range, sent, axis, a, b, scratch, pure=False,
                           key=f"sdap-{name}-planes-{a}-{b}-{os.urandom(4).hex()}")
             for a, b in ranges]
    fut = client.submit(on_worker, assemble, sent, axis, scratch, *parts, pure=False,
                        key=f"sdap-{name}-assemble-{os.urandom(4).hex()}")
    return Submitted(task, fut, scratch, parts)


def absolute(task: FileTask) -> FileTask:
    """`task` with its input, output and model named from the root, as a worker is sent it: a
    scheduler's workers run in folders of their own (a dask-jobqueue job's, a home), where the
    relative paths of the command line (`denoise raw/ --model m.safetensors --output out/`)
    named nothing, and every file failed with "no such file or folder"."""
    return dataclasses.replace(task, input=os.path.abspath(task.input),
                               output=os.path.abspath(task.output),
                               model_path=os.path.abspath(task.model_path))


def run_on_cluster(client: Any, jobs: list[tuple[FileTask, tuple[int, ...], str]],
                   threshold: int, workers: int,
                   on_start: Callable[[FileTask, int], None],
                   on_done: Callable[[FileTask, dict[str, Any] | None, BaseException | None],
                                     None]) -> None:
    """Run `jobs` (task, shape, axes) on the cluster, reporting each file as it finishes.

    `on_start(task, pieces)` is called at submission, `on_done(task, result, error)` once per
    file. On KeyboardInterrupt, or an error raised by `on_done` (a full disk stops the batch),
    every unfinished future is cancelled, the scratch data of split files is removed, and the
    interrupt or error is raised again.
    """
    from distributed import as_completed

    submitted: dict[Any, Submitted] = {}
    try:
        for task, shape, axes in jobs:
            s = submit(client, task, shape, axes, threshold, workers)
            submitted[s.future] = s
            on_start(task, max(1, len(s.parts)))
        for fut in as_completed(list(submitted)):
            s = submitted.pop(fut)
            try:
                result = fut.result()
            except Exception as err:  # reported per file; the batch goes on
                client.cancel(s.parts)
                if s.scratch:
                    remove_scratch(s.task.output)
                on_done(s.task, None, err)
            else:
                on_done(s.task, result, None)
    except BaseException:
        left = list(submitted.values())
        client.cancel([f for s in left for f in (s.future, *s.parts)], force=True)
        for s in left:
            if s.scratch:
                remove_scratch(s.task.output)
        raise


def check_channels(task: Any, src: Any) -> None:
    """Refuse a file whose channels the model does not take before it goes to the cluster: a
    split file was refused by each of its pieces, in words naming the piece's shape (CZYX
    (2, 1, 200, 256) for a file of (2, 6, 200, 256))."""
    from napari_sdap.api.inputs import check_fits, prepare_for
    from napari_sdap.cli.jobs import load_cached_model

    model = load_cached_model(task.model_path, task.model_sha256)
    prepared = prepare_for(model, src, task.axes, series=task.series)
    try:
        check_fits(model, prepared.view, alpha=bool(prepared.rgba))
    finally:
        prepared.close()
