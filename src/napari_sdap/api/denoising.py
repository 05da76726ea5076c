"""Denoising entry points behind `SDAPModel.iter_denoise` and `SDAPModel.denoise`.

Inputs may be numpy, dask (any chunking), zarr v2/v3 arrays, an `ImageSource` or a path (opened
lazily with `open_image`). Outputs go into a given array, a new numpy array, a file written tile
by tile (`.zarr`, `.ome.zarr`, `.tif`) or a lazy dask array. The input is never loaded whole.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from napari_sdap.api.alpha import copy_alpha, rgba_axes, without_alpha
from napari_sdap.api.sources import as_source, check_not_input
from napari_sdap.api.volume import volume_sources
from napari_sdap.axes import PlaneView
from napari_sdap.errors import DeviceError, InputError, OutputError
from napari_sdap.infer.planes import DenoiseStep, check_min_size
from napari_sdap.io.locate import array_paths, check_apart
from napari_sdap.io.readers import ImageSource, open_image

if TYPE_CHECKING:
    import torch

    from napari_sdap.api.model import SDAPModel
    from napari_sdap.infer.refine import Refine
    from napari_sdap.io.outputs import OutputSink

__all__ = ["denoise", "iter_denoise", "iter_denoise_to", "output_dtype"]


@dataclass
class _Job:
    array: Any
    view: PlaneView
    mode: str
    source: ImageSource | None = None
    inputs: list[Path] = field(default_factory=list)
    full: Any = None
    """The image as given (with its alpha channel when `rgba`)."""
    rgba: str | None = None
    """Axes of an RGBA image whose alpha passes through (see `api.alpha`), else None."""
    refine: Refine | None = None
    """Outlier repair and detail restore around the network; None for models without a noise
    curve."""

    @property
    def halo(self) -> int:
        """Context the refine steps add to the network's."""
        return self.refine.halo if self.refine is not None else 0

    @property
    def detail(self) -> bool:
        """Whether this call restores detail."""
        return self.refine is not None and self.refine.detail

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the result: the image's own shape (alpha included)."""
        return tuple(int(n) for n in self.full.shape)


def _job(model: SDAPModel, image: Any, axes: str | None, mode: str,
         detail: bool | None = None) -> _Job:
    source = None
    if isinstance(image, (str, os.PathLike)):
        source = open_image(image, axes)
    elif isinstance(image, ImageSource):
        source = image
    array = source.array if source is not None else image
    if source is not None and axes is None:
        axes = source.axes
    full = array
    array, view = as_source(array, axes, model.config.channel_mode)
    rgba = rgba_axes(full.shape, axes, model.config.channel_mode)
    model._check_fits(view)
    view = volume_sources([(array, view)], model.config.network)[0][1]  # 3-D: plane context
    mode = model.resolve_mode(mode)
    check_min_size(view, mode, model.config.inference.pd_stride)
    inputs = array_paths(source if source is not None else full)  # files the pixels come from
    return _Job(array, view, mode, source, inputs, full, rgba, model.refine(detail, mode))


def _device(model: SDAPModel, device: str | None) -> torch.device:
    from napari_sdap.model.device import resolve_device

    if device not in (None, "auto"):
        return resolve_device(device)
    try:  # the device the model was configured (trained) with ...
        return resolve_device(model.config.device)
    except DeviceError:  # ... may not exist here (trained on a GPU, used on a laptop)
        return resolve_device("auto")


def _tile(model: SDAPModel, tile: int | None, dev: torch.device, mode: str,
          view: PlaneView, extra: int) -> tuple[int, int]:
    """(tile edge, tiles per batch) for this device; CPU runs one tile at a time.

    The automatic edge is the largest that fits the device, shrunk where that covers the
    plane with fewer computed window pixels (no mostly-empty last row of tiles)."""
    from napari_sdap.infer.stream import auto_tile
    from napari_sdap.infer.tiling import alignment, balanced_tile, exact_halo

    t = model.config.tiling
    batch = t.batch_tiles if dev.type != "cpu" else 1
    tile = tile or t.tile
    if tile is None:
        pd = model.config.inference.pd_stride
        net = model.net(mode)
        halo = exact_halo(net.radius, mode, pd, extra)
        tile = balanced_tile(view.height, view.width,
                             auto_tile(dev, int(net.width), halo, batch), halo,
                             alignment(mode, pd))
    if tile < 16:
        raise InputError(f"tile must be at least 16 pixels (got {tile}); use tile=None for "
                         f"an automatic size")
    return int(tile), batch


def _run(model: SDAPModel, job: _Job, out: Any, device: str, tile: int | None
         ) -> Iterator[DenoiseStep]:
    from napari_sdap.infer.stream import iter_tiles

    check_not_input(job.full, out)
    if job.rgba and tuple(out.shape) == job.shape:
        copy_alpha(job.full, out, job.rgba)  # alpha passes through; colours are denoised
        out = without_alpha(out)
    if tuple(out.shape) != job.view.shape:
        raise InputError(f"output shape {tuple(out.shape)} differs from the image shape "
                         f"{job.shape}; give an output of the same shape")
    if out is job.array:
        raise OutputError("the output array is the input image; never overwrite the input: "
                          "give a new array or an output path")
    check_apart("array", array_paths(out), job.inputs)  # the same store opened twice
    dev = _device(model, device)
    edge, batch = _tile(model, tile, dev, job.mode, job.view, job.halo)
    t = model.config.tiling
    assert model.normalization is not None  # checked by _job
    yield from iter_tiles(model.net(job.mode), model.normalization, job.array, job.view, out,
                          mode=job.mode, pd_stride=model.config.inference.pd_stride, device=dev,
                          tile=edge, batch=batch, read_workers=t.read_workers,
                          compile=t.compile, refine=job.refine)


def iter_denoise(model: SDAPModel, image: Any, out: Any, axes: str | None = None, *,
                 mode: str = "auto", device: str = "auto", tile: int | None = None,
                 detail: bool | None = None) -> Iterator[DenoiseStep]:
    """Denoise `image` into the same-shaped array `out`, yielding progress per batch of tiles."""
    job = _job(model, image, axes, mode, detail)
    try:
        yield from _run(model, job, out, device, tile)
    finally:
        if job.source is not None and job.source is not image:  # opened here from a path
            job.source.close()


def output_dtype(dtype: Any, input_dtype: Any) -> np.dtype:
    """`None` -> float32; `"input"` -> the input's dtype; else a numeric dtype."""
    if dtype is None:
        return np.dtype(np.float32)
    dt = np.dtype(input_dtype) if isinstance(dtype, str) and dtype == "input" else None
    try:
        dt = dt if dt is not None else np.dtype(dtype)
    except TypeError:
        raise InputError(f"dtype must be None, 'input' or a numeric dtype (got {dtype!r})"
                         ) from None
    if dt.kind not in "uif":
        raise InputError(f"dtype must be an integer or float dtype (got {dt})")
    return dt


def _record(model: SDAPModel, job: _Job) -> dict[str, Any]:
    from napari_sdap import __version__

    rec: dict[str, Any] = {"software": f"napari-sdap {__version__}", "mode": job.mode,
                           "config": model.config.model_dump(mode="json"),
                           "model_steps": model.record.steps,
                           "detail_restore": job.detail}
    if job.source is not None:
        rec["input"] = {"path": str(job.source.path), **job.source.metadata}
    return rec


def _chunks(view: PlaneView, edge: int) -> tuple[int, ...]:
    from napari_sdap.io.outputs import default_chunks

    while edge > 1024 and edge % 2 == 0:
        edge //= 2
    return default_chunks(view.shape, view.axes, min(edge, 2048))


def denoise(model: SDAPModel, image: Any, axes: str | None = None, *, mode: str = "auto",
            device: str = "auto", tile: int | None = None, output: Any = None,
            lazy: bool = False, dtype: Any = None, overwrite: bool = False,
            detail: bool | None = None) -> Any:
    """See `SDAPModel.denoise`."""
    job = _job(model, image, axes, mode, detail)
    try:
        return _denoise(model, job, device, tile, output, lazy, dtype, overwrite)
    finally:
        if not lazy and job.source is not None and job.source is not image:
            job.source.close()  # opened here from a path; a lazy result keeps reading it


def _denoise(model: SDAPModel, job: _Job, device: str, tile: int | None, output: Any,
             lazy: bool, dtype: Any, overwrite: bool) -> Any:
    dt = output_dtype(dtype, job.array.dtype)
    if lazy:
        if output is not None:
            raise InputError("lazy=True returns a dask array and cannot also write output=; "
                             "use one or the other")
        from napari_sdap.infer.lazy import lazy_denoise

        dev = _device(model, device)
        edge, _ = _tile(model, tile, dev, job.mode, job.view, job.halo)
        assert model.normalization is not None
        result = lazy_denoise(model.net(job.mode), model.normalization, job.array, job.view,
                              mode=job.mode, pd_stride=model.config.inference.pd_stride,
                              device=dev, tile=edge, dtype=dt,
                              refine=job.refine)
        if job.rgba:
            import dask.array as da

            alpha = da.from_array(job.full, chunks=(*result.chunks[:-1], (4,)))[..., 3:]
            result = da.concatenate([result, alpha.astype(dt)], axis=-1)
        return result
    if output is None:
        out = np.empty(job.shape, dt)
        for _ in _run(model, job, out, device, tile):
            pass
        return out
    steps = _to_output(model, job, output, device, tile, dt, overwrite)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            sink = stop.value
            break
    if sink.path is None:
        return sink.array
    return open_image(sink.path, job.view.axes).array


def _to_output(model: SDAPModel, job: _Job, output: Any, device: str, tile: int | None,
               dt: np.dtype, overwrite: bool) -> Generator[DenoiseStep, None, OutputSink]:
    from napari_sdap.io.outputs import open_output

    src = job.source
    edge, _ = _tile(model, tile, _device(model, device), job.mode, job.view, job.halo)
    sink = open_output(output, job.shape, dt, axes=job.view.axes,
                       scale=src.scale if src else None, units=src.units if src else None,
                       metadata=_record(model, job), overwrite=overwrite,
                       chunks=_chunks(job.view, edge), inputs=list(job.inputs))
    with sink:  # an exception or a close() of this generator aborts: nothing is left
        yield from _run(model, job, sink.array, device, edge)
    return sink


def iter_denoise_to(model: SDAPModel, image: Any, output: Any, axes: str | None = None, *,
                    mode: str = "auto", device: str = "auto", tile: int | None = None,
                    dtype: Any = None, overwrite: bool = False, detail: bool | None = None
                    ) -> Generator[DenoiseStep, None, Path | None]:
    """Denoise into a new output file tile by tile, yielding progress; stoppable.

    The output (path as for `denoise(output=...)`) is committed only after the last tile;
    closing the generator early (a Stop button, `break`) or any error removes it. Returns the
    output path (the generator's return value), None for an array target.
    """
    job = _job(model, image, axes, mode, detail)
    try:
        sink = yield from _to_output(model, job, output, device, tile,
                                     output_dtype(dtype, job.array.dtype), overwrite)
    finally:
        if job.source is not None and job.source is not image:
            job.source.close()
    return sink.path
