"""Denoising entry points behind `SDAPModel.iter_denoise` and `SDAPModel.denoise`.

Inputs may be numpy, dask (any chunking), zarr v2/v3 arrays, an `ImageSource` or a path (opened
lazily, `api.inputs`). Outputs go into a given array, a new numpy array, a file written tile by
tile (`.zarr`, `.ome.zarr`, `.tif`, through `api.writing`) or a lazy dask array. The input is
never loaded whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from napari_sdap.api.job import Job, check_out_range, make_job, pick_device, pick_tile, run_tiles
from napari_sdap.api.open_training import settled
from napari_sdap.api.output_level import check_output_level
from napari_sdap.api.writing import open_denoise, output_dtype
from napari_sdap.errors import ConfigError, InputError
from napari_sdap.infer.planes import DenoiseStep
from napari_sdap.io.axes_view import AxesView
from napari_sdap.io.readers import open_image
from napari_sdap.kinds import is_flag

if TYPE_CHECKING:
    from napari_sdap.api.model import SDAPModel

__all__ = ["denoise", "iter_denoise"]


def iter_denoise(model: SDAPModel, image: Any, out: Any, axes: str | None = None, *,
                 mode: str = "auto", device: str = "auto", tile: int | None = None,
                 detail: bool | None = None, compile: bool | None = None,
                 flips: int | None = None) -> Iterator[DenoiseStep]:
    """Denoise `image` into the same-shaped array `out`, yielding progress per batch of tiles."""
    model = settled(model)  # the model as it is now, even while a training goes on
    job = make_job(model, image, axes, mode, detail, flips=flips)
    try:
        check_out_range(model, job, out)
        yield from run_tiles(model, job, out, device, tile, compile)
    finally:
        job.image.close()


def denoise(model: SDAPModel, image: Any, axes: str | None = None, *, mode: str = "auto",
            device: str = "auto", tile: int | None = None, output: Any = None,
            lazy: bool = False, dtype: Any = None, overwrite: bool = False,
            detail: bool | None = None, compile: bool | None = None,
            flips: int | None = None) -> Any:
    """See `SDAPModel.denoise`."""
    if not is_flag(lazy):  # ("no" would count as true)
        raise ConfigError(f"lazy must be True or False (got {lazy!r}): True returns a dask array "
                          f"computed tile by tile when read")
    if output is not None:
        if lazy:
            raise InputError("lazy=True returns a dask array and cannot also write output=; "
                             "use one or the other")
        with open_denoise(model, image, output, axes, mode=mode, device=device, tile=tile,
                          dtype=dtype, overwrite=overwrite, detail=detail,
                          compile=compile, flips=flips) as run:
            axes_out = run.job.image.axes
            for _ in run.steps():
                pass
        if run.path is None:
            return run.array
        if isinstance(run.array, AxesView):  # an OME-Zarr output stored in OME's axis order
            stored = run.array.stored
            return AxesView(open_image(run.path, stored).array, stored, axes_out)
        return open_image(run.path, axes_out).array
    model = settled(model)
    job = make_job(model, image, axes, mode, detail, flips=flips)
    try:
        dt = output_dtype(dtype, job.image.array.dtype, model.normalization)
        if lazy:
            return _lazy(model, job, device, tile, dt)
        out = np.empty(job.image.shape, dt)
        for _ in run_tiles(model, job, out, device, tile, compile):
            pass
        return out
    finally:
        if not lazy:
            job.image.close()  # a lazy result keeps reading a file opened here


def _lazy(model: SDAPModel, job: Job, device: str, tile: int | None, dt: np.dtype) -> Any:
    from napari_sdap.infer.lazy import lazy_denoise
    from napari_sdap.io.fast_zarr import fast_array

    dev = pick_device(model, device)
    edge, _ = pick_tile(model, job, tile, dev)
    check_output_level(model, job, dev)  # (an image somewhat off the training data's)
    norm = model.normalization
    if norm is None:  # pragma: no cover - refused by make_job
        raise InputError("this model is untrained; train it first")
    img = job.image
    # (`model` is the copy `denoise` took (`settled`): a training of the caller's model before
    # the result is computed cannot mix two models into it)
    result = lazy_denoise(model.net(job.mode), norm, fast_array(img.array), img.view,
                          mode=job.mode, pd_stride=model.config.inference.pd_stride,
                          device=dev, tile=edge, dtype=dt, refine=job.refine, flips=job.flips,
                          whiten=job.whiten)
    if img.rgba:
        import dask.array as da

        alpha = da.from_array(img.full, chunks=(*result.chunks[:-1], (4,)))[..., 3:]
        result = da.concatenate([result, alpha.astype(dt)], axis=-1)
    return result
