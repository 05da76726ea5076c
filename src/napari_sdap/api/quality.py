"""`quality_report`: was only noise removed? The quality check of a denoised result (`qc`)."""

from __future__ import annotations

import os
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import numpy as np

from napari_sdap.api.inputs import ImageSource, check_fits, prepare, prepare_for
from napari_sdap.api.job import check_detail
from napari_sdap.chunk_cache import whole_cached
from napari_sdap.errors import AxesError, ConfigError, InputError, SdapError
from napari_sdap.qc import QCReport, measure

if TYPE_CHECKING:
    from napari_sdap.api.model import SDAPModel

__all__ = ["quality_report"]


def _restorer(model: SDAPModel, device: str, channel_mode: str) -> tuple[Any, str]:
    """The detail restore's weights, recomputed for a window: the model's blind-spot network
    (the teacher) is run on the window without the restore, then `infer.refine.restore_weight`
    applies the restore's own rule to the (outlier-repaired) input and that output."""
    import torch

    from napari_sdap.axes import plane_view
    from napari_sdap.infer.passes import resolve_mode
    from napari_sdap.infer.refine import repair_outliers, restore_weight

    mode = resolve_mode("auto", model.config.training.stride, student=False)
    curve, norm = model.noise_curve, model.normalization
    assert curve is not None and norm is not None  # checked by the caller

    def weights(x: np.ndarray, axes: str) -> np.ndarray:
        mu = model.denoise(x, axes, mode=mode, device=device, detail=False)
        view = plane_view(x.shape, axes, channel_mode)
        out = np.zeros(x.shape, np.float32)
        for n in range(view.n_planes):
            g = view.channel_group(n)
            xt = torch.from_numpy(norm.forward(view.read(x, n), g))[None]
            mt = torch.from_numpy(norm.forward(view.read(mu, n), g))[None]
            w = restore_weight(repair_outliers(xt, curve, [g]), mt, curve, [g])
            view.write(out, n, w[0].numpy())
        return out

    return weights, mode


def _shape_of(image: Any) -> tuple[int, ...] | None:
    """The shape of an image given to `quality_report` as it is stored (a file's as opened),
    None where it cannot be read here (the caller's own error then stands)."""
    try:
        if isinstance(image, (str, os.PathLike)):
            from napari_sdap.api.inputs import open_image

            with open_image(image) as source:
                return tuple(int(n) for n in source.shape)
        shape = image.shape if hasattr(image, "shape") else np.shape(image)  # (ImageSource)
        return tuple(int(n) for n in shape)
    except (SdapError, OSError, TypeError, ValueError):
        return None


def _restore_notes(model: SDAPModel, detail: bool | None) -> list[str]:
    notes = []
    if not (model.config.inference.restore_detail if detail is None else detail):
        notes.append("the output was made without the detail restore: the restore numbers say "
                     "what it would have given back, not what the output holds")
    if model.resolve_mode() == "student":
        notes.append("the model denoises with its student by default, which learned the "
                     "restored output; the restore numbers are the teacher's rule")
    return notes


def quality_report(noisy: Any, denoised: Any, model: SDAPModel | None = None,
                   reference: Any = None, axes: str | None = None, *, planes: int = 8,
                   window: int = 512, device: str = "auto", seed: int = 0,
                   detail: bool | None = None) -> QCReport:
    """Check that denoising removed noise and not structure (see docs/qc.md).

    Parameters
    ----------
    noisy, denoised : arrays (numpy, dask, zarr), `ImageSource`s or paths of the same shape.
    model : the model that denoised, or its file (optional): adds the comparison with the noise it
        measured at training and the share of pixels where its detail restore gave input back.
    reference : a clean image of the same shape (optional): adds PSNR and SSIM.
    axes : axes letters; default from the file or guessed for 2-D/3-D arrays.
    planes, window : read at most about `planes` windows of `window` x `window` pixels, spread
        over the planes (only these are read from lazy arrays).
    device : where the model's network runs for the restore weights.
    detail : whether the output was made with the detail restore (None: as the model's
        config says); only changes the notes.
    """
    detail = check_detail(detail)
    if noisy is None or denoised is None:
        raise InputError("quality_report needs both the noisy input and the denoised output")
    planes, window = _whole("planes", planes, 1), _whole("window", window, 16)
    seed = _whole("seed", seed, 0, 2**32 - 1)  # (None: numpy's fresh entropy, as before)
    if isinstance(model, (str, os.PathLike)):  # a model file
        from napari_sdap.api.loading import load_model

        model = load_model(model)
    from napari_sdap.api.model import SDAPModel

    if model is not None and not isinstance(model, SDAPModel):
        raise ConfigError(f"model must be the SDAPModel that denoised, its file's path or None "
                          f"(got {type(model).__name__})")
    mode = model.config.channel_mode if model is not None else "auto"
    with ExitStack() as stack:
        arrays, views = [], []
        for name, image in (("noisy", noisy), ("denoised", denoised), ("reference", reference)):
            if image is None:
                arrays.append(None)
                continue
            own = isinstance(image, (str, os.PathLike, ImageSource))  # a file knows its axes
            ax = views[0].axes if axes is None and views and not own else axes
            try:
                prepared = stack.enter_context(prepare(image, ax, mode) if model is None
                                               else prepare_for(model, image, ax))
            except InputError as err:  # say which of the images it is
                other = _shape_of(image) if views and isinstance(err, AxesError) else None
                if other is not None and len(other) != len(views[0].shape):
                    # (the noisy image's axes, applied to it, do not fit: its shape is what
                    # differs, and the CLI's --reference or a panel has no axes to give)
                    raise InputError(f"the {name} image has shape {other}, the noisy one "
                                     f"{views[0].shape} (axes {views[0].axes}); give images "
                                     f"of the same shape") from None
                raise InputError(f"the {name} image: {err}") from None
            array, view = prepared.array, prepared.view
            if views and view.shape != views[0].shape:
                raise InputError(f"the {name} image has shape {view.shape}, the noisy one "
                                 f"{views[0].shape}; give images of the same shape")
            # (a dask or zarr array of large chunks: each made once, not once per window read;
            # an 8 x 512² map_blocks stack in one chunk was computed 13 times)
            arrays.append(whole_cached(array, window))
            views.append(view)
        curve = norm = restore = None
        restore_mode, notes = "", []
        if model is not None:
            check_fits(model, views[0])
            if "C" in views[0].axes:  # as the model reads the image (`prepare_for`)
                mode = "joint" if views[0].joint else "independent"
            if model.noise_curve is None:
                why = ("a 3-D model measures none" if model.config.network.dims == 3
                       else "untrained or an earlier file")
                notes.append(f"the model has no noise curve ({why}): no comparison with the "
                             f"noise, no restore weights")
            elif model.whitening is not None:  # its curve is the whitened noise's
                curve, norm = model.whitening.recorded(model.noise_curve), model.normalization
                notes.append("the model whitens its input along "
                             f"{model.whitening.axis}: the noise it measured is compared as "
                             "filtered back, and the detail restore (on the whitened image) "
                             "is not checked")
            else:
                curve, norm = model.noise_curve, model.normalization
                restore, restore_mode = _restorer(model, device, mode)
                notes.extend(_restore_notes(model, detail))
        else:
            notes.append("no model given: the residual is not compared with the noise "
                         "measured at training and the detail restore is not checked")
        return measure(arrays[0], arrays[1], views[0], reference=arrays[2], channel_mode=mode,
                       curve=curve, normalization=norm, restore=restore,
                       restore_mode=restore_mode, planes=planes, window=window, seed=seed,
                       notes=notes)


def _whole(name: str, value: Any, least: int, most: int | None = None) -> Any:
    """`value` as an int if it is a whole number in `least`..`most`, else `InputError` (numpy
    and Python raised their own errors deep in the measurement); None passes for the seed."""
    if value is None and name == "seed":
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least \
            or (most is not None and value > most):
        span = f"{least}..{most}" if most is not None else f"at least {least}"
        raise InputError(f"{name} must be a whole number, {span} (got {value!r})")
    return int(value)
