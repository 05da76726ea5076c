"""One denoising job: a prepared image, the resolved mode and the steps around the network, and
the tile loop that runs it on a device. Shared by `api.denoising` (arrays) and `api.writing`
(files).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from napari_sdap.api.inputs import Prepared, check_fits, prepare_for
from napari_sdap.api.intensity import check_intensity, intensity_mismatch
from napari_sdap.api.output_array import check_output
from napari_sdap.api.output_level import check_output_level, worth_trying
from napari_sdap.api.volume import volume_sources
from napari_sdap.errors import ConfigError, DeviceError, InputError
from napari_sdap.infer.planes import DenoiseStep, check_min_size
from napari_sdap.kinds import is_flag, is_whole

if TYPE_CHECKING:
    import torch

    from napari_sdap.api.model import SDAPModel
    from napari_sdap.infer.refine import Refine
    from napari_sdap.infer.whiten import Whitening

__all__ = ["Job", "check_detail", "make_job", "pick_device", "pick_tile", "run_tiles"]


@dataclass
class Job:
    """What one call denoises, and how."""

    image: Prepared
    mode: str
    """The resolved inference mode."""
    refine: Refine | None = None
    """Outlier repair and detail restore around the network; None for models without a noise
    curve."""
    flips: int = 1
    """Flips and quarter turns the network is averaged over (`infer.passes.run_flips`)."""
    whiten: Whitening | None = None
    """The whitening of the input and colouring of the output around all of it (models
    trained on noise correlated along one axis, `infer.whiten`)."""
    restore: bool = False
    """This call's detail setting (`detail=`, else the model's config; False without a noise
    curve): the restore itself, and the output blur and mix chosen for this mode."""
    warning: str | None = None
    """Why the output may be wrong (an image on another intensity scale than the training
    data's, `api.intensity`), shown with the progress."""
    trial: bool = False
    """Whether one window is denoised first, to refuse an output that would not keep the
    image's level (an image somewhat off the training data's, `api.output_level`)."""

    @property
    def halo(self) -> int:
        """Context the steps around the network add to the network's."""
        from napari_sdap.infer.whiten import extra_halo

        return extra_halo(self.refine, self.whiten)

    @property
    def detail(self) -> bool:
        """Whether this call restores detail."""
        return self.refine is not None and self.refine.detail


def optional_flag(value: object, name: str, meaning: str) -> bool | None:
    """`value` as a bool (None kept: the model's setting), else `ConfigError` naming `name`
    and what it decides: a text such as "no" or "false" counted as true."""
    if value is None or is_flag(value):
        return None if value is None else bool(value)
    raise ConfigError(f"{name} must be True, False or None (got {value!r}): {meaning}")


def check_detail(detail: object) -> bool | None:
    """`detail` as a bool or None (`optional_flag`): "no" ran the restore."""
    return optional_flag(detail, "detail", "whether to apply the detail restore, None for the "
                         "model's setting (config.inference.restore_detail); command line: "
                         "--no-detail turns it off")


def check_compile(compile: object) -> bool | None:
    """`compile` as a bool or None (`optional_flag`): "no" compiled the network."""
    return optional_flag(compile, "compile", "whether to torch.compile the network (CUDA), "
                         "None for the model's setting (config.tiling.compile)")


def check_flip_count(flips: object) -> object:
    """`flips` as an int where it is a Python or numpy integer (`infer.passes.check_flips`
    then checks the count); a float such as 2.0 is refused, as True is."""
    if flips is None or is_whole(flips):
        return None if flips is None else int(flips)  # type: ignore[call-overload]
    raise ConfigError(f"flips must be 1, 2, 4 or 8 as an integer (got {flips!r}): the number "
                      f"of flips and quarter turns to average; 1 turns it off")


def make_job(model: SDAPModel, image: Any, axes: str | None, mode: str,
             detail: bool | None = None, series: int | None = None,
             flips: int | None = None) -> Job:
    """Prepare `image` (array, `ImageSource` or path) for `model`; close `job.image` when done.

    `detail` / `flips`: this call's detail restore and flip averaging (None: the model's config).
    """
    from napari_sdap.infer.passes import check_flips

    model.check_state("denoise", training=False)  # (a training preview denoises mid-run)
    detail, flips = check_detail(detail), check_flip_count(flips)
    flips = check_flips(model.config.inference.flips if flips is None else flips)
    prepared = prepare_for(model, image, axes, series=series)
    try:
        check_fits(model, prepared.view, alpha=bool(prepared.rgba))
        if model.config.network.dims == 3:  # each plane is read with its neighbours
            prepared.view = volume_sources([(prepared.array, prepared.view)],
                                           model.config.network, trained=True)[0][1]
        mode = model.resolve_mode(mode)
        check_min_size(prepared.view, mode, model.config.inference.pd_stride)
        found = intensity_mismatch(model, prepared.array, prepared.view)
        warning = check_intensity(model, prepared.array, prepared.view, found=found)
    except BaseException:
        prepared.close()
        raise
    restore = model.noise_curve is not None and bool(
        model.config.inference.restore_detail if detail is None else detail)
    return Job(prepared, mode, model.refine(restore, mode), flips, model.whitening, restore,
               warning, worth_trying(found))


def pick_device(model: SDAPModel, device: str | None) -> torch.device:
    """`device`, or for `auto` the device the model was configured with when it exists here."""
    from napari_sdap.model.device import resolve_device

    if device not in (None, "auto"):
        return resolve_device(device)
    try:  # the device the model was configured (trained) with ...
        return resolve_device(model.config.device)
    except DeviceError:  # ... may not exist here (trained on a GPU, used on a laptop)
        return resolve_device("auto")


def pick_tile(model: SDAPModel, job: Job, tile: int | None, dev: torch.device
              ) -> tuple[int, int]:
    """(tile edge, tiles per batch) for this device; CPU runs one tile at a time.

    The automatic edge is the largest that fits the device, shrunk where that covers the
    plane with fewer computed window pixels (no mostly-empty last row of tiles)."""
    from napari_sdap.infer.stream import auto_tile
    from napari_sdap.infer.tiling import alignment, balanced_tile, exact_halo

    if tile is not None and (isinstance(tile, bool) or not isinstance(tile, int | np.integer)):
        raise InputError(f"tile must be a whole number of pixels, at least 16 (got {tile!r}); "
                         f"use tile=None for an automatic size")
    t = model.config.tiling
    batch = t.batch_tiles if dev.type != "cpu" else 1
    tile = t.tile if tile is None else tile  # (0 is refused below, as 15 is)
    if tile is None:
        pd = model.config.inference.pd_stride
        net = model.net(job.mode)
        halo = exact_halo(net.radius, job.mode, pd, job.halo)
        view = job.image.view
        tile = balanced_tile(view.height, view.width,
                             auto_tile(dev, int(net.width), halo, batch), halo,
                             alignment(job.mode, pd))
    if tile < 16:
        raise InputError(f"tile must be at least 16 pixels (got {tile}); use tile=None for "
                         f"an automatic size")
    return int(tile), batch


def check_out_range(model: SDAPModel, job: Job, out: Any) -> None:
    """An output array given by the user, of an integer dtype, checked as dtype= is
    (`output_range.check_integer_range`: an int8 array clipped a 16-bit result to 127)."""
    from napari_sdap.api.output_range import check_integer_range

    if hasattr(out, "shape"):
        check_integer_range(getattr(out, "dtype", None), model.normalization,
                            job.image.full.dtype, array=True)


def run_tiles(model: SDAPModel, job: Job, out: Any, device: str | None, tile: int | None,
              compile: bool | None = None) -> Iterator[DenoiseStep]:
    """Denoise the job's image into `out` (checked here), yielding progress per batch of tiles.

    `compile`: torch.compile the network for this call (None: `config.tiling.compile`)."""
    from napari_sdap.infer.stream import iter_tiles
    from napari_sdap.io.fast_zarr import fast_array

    compile = check_compile(compile)
    out = fast_array(check_output(job.image, out), write=True)
    dev = pick_device(model, device)
    edge, batch = pick_tile(model, job, tile, dev)
    check_output_level(model, job, dev)  # (an image somewhat off the training data's)
    t = model.config.tiling
    norm = model.normalization
    if norm is None:  # pragma: no cover - refused by make_job
        raise InputError("this model is untrained; train it first")
    source = fast_array(job.image.array)  # local zarr: TensorStore reads it (see io.fast_zarr)
    for step in iter_tiles(model.net(job.mode), norm, source, job.image.view, out,
                           mode=job.mode, pd_stride=model.config.inference.pd_stride,
                           device=dev, tile=edge, batch=batch, read_workers=t.read_workers,
                           compile=t.compile if compile is None else compile,
                           refine=job.refine, flips=job.flips, write_workers=t.write_workers,
                           whiten=job.whiten):
        yield step if step.warning or not job.warning else replace(step, warning=job.warning)
