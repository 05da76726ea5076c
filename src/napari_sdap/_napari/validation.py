"""Whether a training job holds out validation rows: on by default where the layers allow it."""

from __future__ import annotations

from typing import Any

__all__ = ["validation_for"]


def validation_for(job: Any, fraction: float) -> tuple[float, str]:
    """The validation fraction to train `job` with, and a note for the status when it is off.

    A new training holds out `fraction` of the rows when every image has rows enough for a
    validation patch and a training patch (`training.validation.holdout_rows`); continued
    training and small layers train on everything.
    """
    from napari_sdap.api.devices import auto_preset, training_pixels
    from napari_sdap.api.training import validation_fits
    from napari_sdap.axes import plane_view
    from napari_sdap.presets import PRESETS

    if not fraction or job.model is not None:
        return 0.0, ""
    images = [job.image, *(im for im, _ in job.more)]
    axes = [job.axes, *(ax for _, ax in job.more)]
    # only the plane sizes matter here: the pixels are checked once, when training prepares them
    mode = job.overrides.get("channel_mode", "auto")
    views = [plane_view(im.shape, ax, mode) for im, ax in zip(images, axes, strict=True)]
    preset = job.preset if job.preset != "auto" else auto_preset(job.device,
                                                                 training_pixels(views))
    patch = job.overrides.get("patch_size") or PRESETS[preset]["training"]["patch_size"]
    patch = min(patch, *(min(v.height, v.width) for v in views))
    stride = job.stride if isinstance(job.stride, int) else 5  # auto: at most 5
    if validation_fits([v.height for v in views], fraction, patch, stride):
        return fraction, ""
    return 0.0, " (no validation: the layer is too small to hold rows out)"
