"""The one write path: every denoised file, from the API, the CLI or napari, is made here.

`open_denoise` prepares the image, opens the output (a hidden temporary next to the target, see
`io.outputs`) with one provenance record (`api.provenance`) and returns a `DenoiseRun`: its
`array` fills tile by tile (napari shows it while it grows) and its `steps()` generator runs the
network and commits the output after the last tile. Closing `steps()` early (Stop, `break`) or
any error deletes the temporary: nothing incomplete is left that looks like a result.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from napari_sdap.api.inputs import tensor_values
from napari_sdap.api.job import Job, check_compile, make_job, pick_device, pick_tile, run_tiles
from napari_sdap.api.open_training import settled
from napari_sdap.api.output_range import check_integer_range
from napari_sdap.api.provenance import provenance
from napari_sdap.axes import validate_axes
from napari_sdap.errors import ConfigError, InputError
from napari_sdap.infer.planes import DenoiseStep
from napari_sdap.io.axes_view import AxesView
from napari_sdap.io.ome import fits_ngff
from napari_sdap.io.outputs import OutputSink, default_chunks, open_output

if TYPE_CHECKING:
    from napari_sdap.api.model import SDAPModel

__all__ = ["DenoiseRun", "fits_ngff", "in_axes", "iter_denoise_to", "open_denoise",
           "output_dtype", "save_result"]

log = logging.getLogger(__name__)


def output_dtype(dtype: Any, input_dtype: Any, normalization: Any = None) -> np.dtype:
    """`None` -> float32 (float64 where float32 cannot resolve the model's intensity range,
    `float32_problem`); `"input"` -> the input's dtype; else a numeric dtype (an explicit
    float32 that cannot resolve it is kept, with a warning)."""
    if dtype is None:
        why = float32_problem(normalization)
        if why is None:
            return np.dtype(np.float32)
        log.info("the output is written as float64 rather than the default float32: %s", why)
        return np.dtype(np.float64)
    dt = np.dtype(input_dtype) if isinstance(dtype, str) and dtype == "input" else None
    try:
        dt = dt if dt is not None else np.dtype(dtype)
    except TypeError:
        raise InputError(f"dtype must be None, 'input' or a numeric dtype (got {dtype!r})"
                         ) from None
    if dt.kind not in "uif":
        raise InputError(f"dtype must be an integer or float dtype (got {dt})")
    check_integer_range(dt, normalization, input_dtype)  # (uint8 for 16-bit: all 255)
    if dt == np.float32:
        why = float32_problem(normalization)
        if why is not None:
            log.warning("dtype='float32' loses the image's grey levels: %s; give "
                        "dtype='float64' (or dtype='input') to keep them", why)
    return dt


_F32_STEP = 2.0 ** -24  # float32's relative step (half its epsilon: the rounding error)
_MIN_LEVELS = 1000


def float32_problem(normalization: Any) -> str | None:
    """Why float32 cannot hold the denoised values on the model's intensity scale (its largest
    magnitude `|low| + scale`, rounded to float32's relative step, keeps fewer than about 1000
    levels across the scale: wide integers such as uint32 near 4e9, or values with a large
    offset), or None (no model normalisation, or float32 suffices)."""
    if normalization is None:
        return None
    for g in range(len(normalization.low)):
        lo, sc = normalization.scale(g)
        step = (abs(lo) + sc) * _F32_STEP
        if step * _MIN_LEVELS > sc:
            return (f"the image's values reach {abs(lo) + sc:.6g} over a range of {sc:.6g}, "
                    f"where float32 keeps only about {sc / step:.0f} levels "
                    f"(fewer than {_MIN_LEVELS})")
    return None


class DenoiseRun:
    """One denoising into a new output (see the module docstring)."""

    def __init__(self, model: SDAPModel, job: Job, sink: OutputSink, record: dict[str, Any],
                 device: str, tile: int, compile: bool | None) -> None:
        self.model, self.job, self.sink = model, job, sink
        self.provenance = record
        """What is stored with the output (`api.provenance`)."""
        self._args = (device, tile, compile)
        self._started = False
        weakref.finalize(self, sink.abort)  # a run dropped unrun: its temporary goes too

    @property
    def array(self) -> Any:
        """The output being written (read it to show tiles as they arrive)."""
        return self.sink.array

    @property
    def path(self) -> Path | None:
        """Where the output lands once complete (None for an array target)."""
        return self.sink.path

    def steps(self) -> Generator[DenoiseStep, None, Path | None]:
        """Denoise tile by tile, yielding progress; commits the output after the last tile and
        returns its path. Run it once."""
        if self._started:
            raise ConfigError("a DenoiseRun runs once; open a new one (open_denoise)")
        self._started = True
        try:
            with self.sink:  # an exception or a close() of this generator aborts the output
                yield from run_tiles(self.model, self.job, self.sink.array, *self._args)
        finally:
            self.job.image.close()
        return self.sink.path

    def write_from(self, result: Any, axis: int) -> Path | None:
        """Commit a result computed elsewhere (the pieces of a file split over a cluster),
        copied plane by plane along `axis`; returns the output path."""
        if self._started:
            raise ConfigError("a DenoiseRun runs once; open a new one (open_denoise)")
        self._started = True
        shape = self.job.image.shape
        try:
            with self.sink:
                for k in range(shape[axis]):
                    region = tuple(slice(k, k + 1) if i == axis else slice(None)
                                   for i in range(len(shape)))
                    self.sink.array[region] = result[region]
        finally:
            self.job.image.close()
        return self.sink.path

    def abort(self) -> None:
        """Give up before (or instead of) running: the temporary is deleted. Harmless after
        the run has committed or aborted by itself."""
        self.sink.abort()
        self.job.image.close()

    def __enter__(self) -> DenoiseRun:
        return self

    def __exit__(self, *exc: object) -> None:
        """Leaving the block without a committed output (an error, Ctrl-C before or between
        the steps) deletes the temporary."""
        self.abort()


def _chunks(shape: tuple[int, ...], axes: str, edge: int) -> tuple[int, ...]:
    while edge > 1024 and edge % 2 == 0:
        edge //= 2
    return default_chunks(shape, axes, min(edge, 2048))


def _channels(src: Any, axes: str) -> list[str | None] | None:
    """The channel names the input file gives (`io.channels`), where the image is denoised
    with the axes it was read with (other axes may put another axis where its C axis was)."""
    if src is None or src.axes != axes:
        return None
    return src.metadata.get("channels")


def open_denoise(model: SDAPModel, image: Any, output: Any, axes: str | None = None, *,
                 mode: str = "auto", device: str = "auto", tile: int | None = None,
                 dtype: Any = None, overwrite: bool = False, detail: bool | None = None,
                 compile: bool | None = None, flips: int | None = None,
                 series: int | None = None,
                 scale: dict[str, float] | None = None, units: dict[str, str] | None = None,
                 chunks: tuple[int, ...] | None = None, model_file: str | None = None,
                 model_sha256: str | None = None, front_end: str = "api",
                 run: dict[str, Any] | None = None,
                 translation: dict[str, float] | None = None) -> DenoiseRun:
    """Prepare `image` and open `output` for its denoised result (see the module docstring).

    `output`: a path (`.zarr`, `.ome.zarr`, `.tif`) or a writable array of the image's shape.
    `scale` / `units` / `translation` (per axis letter) default to the input file's, as its
    channel names do; `model_file`, `model_sha256`, `front_end` and `run` go into the
    provenance record. The other arguments are those of `SDAPModel.denoise`.
    """
    from napari_sdap.api.job import check_out_range
    from napari_sdap.model.device import use_bf16

    model, compile = settled(model), check_compile(compile)  # (the model as it is now)
    job = make_job(model, image, axes, mode, detail, series, flips)
    sink = None
    try:
        img = job.image
        dt = output_dtype(dtype, img.array.dtype, model.normalization)
        check_out_range(model, job, output)  # (an integer output array, as dtype= is)
        dev = pick_device(model, device)
        edge, batch = pick_tile(model, job, tile, dev)
        src = img.source
        compiled = model.config.tiling.compile if compile is None else compile
        record = provenance(
            model, mode=job.mode, detail=job.detail, flips=job.flips, input_axes=img.axes,
            restore=job.restore, refine=job.refine,
            input_shape=img.shape, input_dtype=img.full.dtype, output_dtype=dt,
            input_path=src.path if src is not None else None,
            input_metadata=src.metadata if src is not None else None, model_file=model_file,
            model_sha256=model_sha256, front_end=front_end, run=run, device=str(dev),
            tile=edge, batch=batch, compiled=bool(compiled) and dev.type == "cuda",
            precision="bfloat16" if use_bf16(dev) else "float32", warning=job.warning)
        sink = open_output(output, img.shape, dt, axes=img.axes,
                           scale=scale if scale is not None else (src.scale if src else None),
                           units=units if units is not None else (src.units if src else None),
                           metadata=record, overwrite=overwrite,
                           chunks=chunks or _chunks(img.shape, img.axes, edge),
                           inputs=list(img.inputs),
                           translation=(translation if translation is not None else
                                        src.metadata.get("translation") if src else None),
                           channels=_channels(src, img.axes))
        return DenoiseRun(model, job, sink, record, device, edge, compile)
    except BaseException:  # an error, Ctrl-C or a stop signal: no temporary is left behind
        if sink is not None:
            sink.abort()
        job.image.close()
        raise


def iter_denoise_to(model: SDAPModel, image: Any, output: Any, axes: str | None = None,
                    **options: Any) -> Generator[DenoiseStep, None, Path | None]:
    """Denoise into a new output tile by tile, yielding progress; stoppable.

    The output is committed only after the last tile; closing the generator early (a Stop
    button, `break`) or any error removes it. Returns the output path (the generator's return
    value), None for an array target. `options` are those of `open_denoise`.
    """
    with open_denoise(model, image, output, axes, **options) as run:
        return (yield from run.steps())


def save_result(data: Any, target: Any, *, axes: str, scale: dict[str, float] | None = None,
                units: dict[str, str] | None = None, provenance: dict[str, Any] | None = None,
                overwrite: bool = False, translation: dict[str, float] | None = None) -> Path:
    """Save a result denoised earlier (a finished napari result layer) to `target` (`.tif`,
    `.zarr`, `.ome.zarr`) with the provenance record it was made with and where it lies
    (`translation`, per axis letter), atomically, read chunk by chunk (dask). A float64 result
    (an image float32 cannot resolve: `output_dtype`) stays float64; others are float32.
    Returns the absolute path."""
    import dask.array as da

    data = data if isinstance(data, da.Array) else da.from_array(tensor_values(data))
    shape = tuple(int(s) for s in data.shape)
    axes = validate_axes(axes, shape)  # (upper-cased: so are the letters of the dicts below)
    scale, units, translation = ({str(k).upper(): v for k, v in d.items()} if d else d
                                 for d in (scale, units, translation))
    dt = np.dtype(np.float64 if data.dtype == np.float64 else np.float32)
    sink = open_output(Path(target), shape, dt, axes=axes, scale=scale, units=units,
                       metadata=dict(provenance or {}), overwrite=overwrite,
                       chunks=default_chunks(shape, axes), translation=translation)
    with sink:  # an error aborts: nothing is left at `target`
        da.store(data.astype(dt), sink.array, lock=False)
    return Path(sink.path if sink.path is not None else target).absolute()


def in_axes(array: Any, axes: str, to: str) -> Any:
    """`array`, whose axes are `axes`, seen in the order `to` (the same letters): how an
    OME-Zarr output, stored in OME's axis order, is compared with its input."""
    return array if axes == to else AxesView(array, axes, to)
