"""Whether the network's output on an image somewhat off the model's training data keeps the
image's level.

`api.intensity` refuses an image far from the training data's noise or intensities and warns
short of that. Nearer still, the output can be right (a dimmer or brighter frame of the same
instrument) or nothing like the image: 8-bit FMD frames (medians 4-51) through a model of a
16-bit EMCCD frame (trained range 254..4537, their noise 16-100x weaker: warned) all came out
near 400, whatever the frame held, 1-5 dB against the reference where the noisy frames scored
25-28; a model of a simulated EMCCD camera (offset 400 ADU) on 8-bit frames lying 0.6-0.9 of
its range's width below it (no warning) gave 6-18 dB against 21-28.

Such an image is tried first (`worth_trying`: its median outside the training range, or its
noise more than `TRY_RATIO` times off): `check_output_level` denoises one window at the centre
of its middle plane, through the job's steps, and refuses the image where the output's median
lies outside the range of 98 % of the window's own pixels (percentiles 1 to 99) by more than
`MARGIN` of that range, in any channel. A denoised image keeps its level. Across ten kinds of
data, one short model each applied to every kind (benchmarks/output_level.py,
docs/reliability.md), every output this refuses was worse than the noisy input; images of the
model's own kind are not tried (the training images read a ratio of 0.5-3.2, inside the range).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from napari_sdap.api.intensity import FIX
from napari_sdap.errors import InputError

if TYPE_CHECKING:
    import torch

    from napari_sdap.api.job import Job
    from napari_sdap.api.model import SDAPModel

__all__ = ["MARGIN", "PROBE", "TRY_RATIO", "check_output_level", "probe_level", "worth_trying"]

PROBE = 128
"""Edge of the window tried (smaller where the plane is)."""
TRY_RATIO = 4.0
"""Noise std over the training data's (or its inverse) beyond which an image is tried."""
MARGIN = 0.05
"""How far outside the window's 1-99 % range, in units of that range, the output's median may
lie (a background of 8-bit zeros denoised to -0.3 keeps its level)."""


def worth_trying(found: tuple[float, float] | None) -> bool:
    """Whether an image with these `intensity.intensity_mismatch` readings (noise ratio, spans
    outside the training range) is tried before it is denoised."""
    if found is None:
        return False
    ratio, spans = found
    return spans > 0 or max(ratio, 1 / ratio) > TRY_RATIO


def probe_level(model: SDAPModel, job: Job, device: torch.device
                ) -> tuple[int, tuple[slice, slice], np.ndarray, np.ndarray]:
    """(plane, (ys, xs), input, output) of the window tried: float64 (C, h, w) arrays in the
    image's intensities, the output through the job's steps (one pass, no flips)."""
    from napari_sdap.axes import PlaneView
    from napari_sdap.infer.raw_tiles import denoise_batch, raw_batch, read_raw
    from napari_sdap.infer.stream import Engine
    from napari_sdap.infer.tiling import Tile, alignment, exact_halo, split_tiles

    view, norm = job.image.view, model.normalization
    if norm is None:  # pragma: no cover - refused by make_job
        raise InputError("this model is untrained; train it first")
    net, pd = model.net(job.mode), model.config.inference.pd_stride
    s = alignment(job.mode, pd)
    halo = exact_halo(int(net.radius), job.mode, pd, job.halo)
    plane = view.n_planes // 2

    def centre(size: int) -> slice:
        edge = min(size, PROBE)
        start = (size - edge) // 2 // s * s
        return slice(start, start + edge)

    ys, xs = centre(view.height), centre(view.width)
    tiles = split_tiles([Tile(plane, ys, xs, ys, xs)], view, PROBE, halo, s)
    engine = Engine(net, device, job.mode, pd, False, job.refine, 1, job.whiten)
    source = job.image.array
    group = view.channel_group(plane)
    output = np.empty((view.channels, ys.stop - ys.start, xs.stop - xs.start))
    for t in tiles:  # (one, unless the plane's edges cut the window)
        batch = raw_batch([read_raw(source, view, t)], [group], pin=False)
        output[:, t.ys.start - ys.start:t.ys.stop - ys.start,
               t.xs.start - xs.start:t.xs.stop - xs.start] = denoise_batch(
                   engine, batch, norm, [t], True)[0]
    own = PlaneView.read(view, source, plane, ys, xs, dtype=np.float64)  # (a 3-D model's view
    return plane, (ys, xs), own, output  # reads the planes around too: the plane's own only)


def _plane_words(view: Any, plane: int) -> str:
    """`plane 7 (T 1, Z 2), ` where the image has several looped axes (a hyperstack's plane 7
    is t 1, z 2 on napari's sliders), `plane 3, ` for a plain stack, "" for one plane."""
    if view.n_planes <= 1:
        return ""
    if len(view.loop_axes) < 2:
        return f"plane {plane}, "
    pos = view.plane_position(plane)
    return f"plane {plane} ({', '.join(f'{view.axes[i]} {int(pos[i])}' for i in view.loop_axes)}), "


def check_output_level(model: SDAPModel, job: Job, device: torch.device) -> None:
    """For a job to try (`Job.trial`): raise `InputError` where the output of its centre
    window lies outside the window's own intensities (see the module text)."""
    if not job.trial:
        return
    plane, (ys, xs), x, y = probe_level(model, job, device)
    for c in range(x.shape[0]):
        values = x[c][np.isfinite(x[c])]
        if not values.size:
            continue
        low, high = (float(v) for v in np.percentile(values, [1, 99]))
        level = float(np.median(y[c]))
        if high <= low or low - MARGIN * (high - low) <= level <= high + MARGIN * (high - low):
            continue  # (a flat window tells nothing of the level)
        where = _plane_words(job.image.view, plane)
        channel = f"channel {c} of " if x.shape[0] > 1 else ""
        raise InputError(
            f"this image does not look like the data the model was trained on, and the "
            f"model's output on a piece of it ({channel}{where}y {ys.start}..{ys.stop}, "
            f"x {xs.start}..{xs.stop}) lies at {level:.4g}, outside the image's own "
            f"intensities there ({low:.4g}..{high:.4g}, 98 % of its pixels): the output "
            f"would be wrong{FIX}")
