"""The bias correction of 3-D models, folded into the network's output bias.

Trained with the L1 loss, a blind-spot network predicts each voxel's conditional median, which
for Poisson noise at a few photons lies below the mean (`infer.offset`). 2-D models store the
measured correction in their noise curve; 3-D models have no curve (no detail restore), so the
same estimate, the mean of ``x - mu`` over sample windows of the training stacks' centre planes,
is added to the last layer's bias when training ends. Every mode, tile, lazy view, cluster piece
and exported package then carries it, and the student learns the corrected output. The estimate
is unbiased where the output at a voxel does not depend on its own noise and that noise is
independent of its neighbours' (stride 1, planes read with independent noise); it is not made
for models trained at a stride above 1 (correlated noise), for clipped data (`infer.offset`),
or where independent channels share the network (one bias, several corrections).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

if TYPE_CHECKING:
    from napari_sdap.api.model import SDAPModel

__all__ = ["correct_volume_bias", "describe_volume_bias"]

log = logging.getLogger(__name__)


def correct_volume_bias(model: SDAPModel, sources: list[tuple[Any, Any]], dev: Any) -> None:
    """Measure the 3-D `model`'s output bias on sample windows of `sources` (its volume views)
    and add it to the network's output bias; the total added is kept in
    `record.volume_offset` (on the network's normalised scale, per channel)."""
    why = _not_measured(model)
    if why:
        log.info("3-D model: no bias correction (%s)", why)
        return
    offsets = _measure(model, sources, dev)
    if not any(offsets):
        log.info("3-D model: no bias correction (the input reads clipped at its lowest or "
                 "highest value, or no bias was measured)")
        return
    bias = model.network.tail[-1].bias
    with torch.no_grad():
        bias.add_(torch.tensor(offsets, dtype=bias.dtype, device=bias.device))
    before = model.record.volume_offset or [0.0] * len(offsets)
    model.record.volume_offset = [a + b for a, b in zip(before, offsets, strict=True)]
    log.info("3-D model: bias correction of the network output (image units, per channel): %s",
             _in_image_units(model, offsets))


def describe_volume_bias(model: SDAPModel) -> str:
    """The bias correction added to a 3-D model's output, for `describe_detail` ("": none)."""
    shift = model.record.volume_offset
    if not shift or model.normalization is None:
        return ""
    return ("; its bias correction, added to the network's output (image units, per "
            f"channel): {_in_image_units(model, shift)}")


def _in_image_units(model: SDAPModel, offsets: list[float]) -> str:
    scale = model.normalization.scale(0)[1]
    return ", ".join(f"{v * scale:+.3g}" for v in offsets)


def _not_measured(model: SDAPModel) -> str:
    """Why the bias is not measured for this model ("" where it is)."""
    if model.config.training.stride != 1:
        return (f"trained at stride {model.config.training.stride}: correlated noise, where "
                "the estimate is not unbiased")
    if len(model.normalization.low) != 1:
        return "independent channels share the network's one output bias"
    return ""


def _measure(model: SDAPModel, sources: list[tuple[Any, Any]], dev: Any) -> list[float]:
    """Per channel: the mean of ``x - mu`` of the centre planes over sample windows (0 for a
    clipped channel, `infer.offset.estimate_offset`)."""
    from napari_sdap.api.modes import default_mode
    from napari_sdap.infer.offset import estimate_offset
    from napari_sdap.infer.sample import sample_tiles
    from napari_sdap.infer.stream import Engine, read_window
    from napari_sdap.infer.tiling import alignment, exact_halo

    net = model.network
    mode = default_mode(model)
    pd = model.config.inference.pd_stride
    engine = Engine(net, dev, mode, pd, compile=False)
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    views = [v for _, v in sources]
    for k, tile, _ in sample_tiles(views, exact_halo(net.radius, mode, pd), alignment(mode, pd),
                                   model.config.seed):
        x = read_window(sources[k][0], sources[k][1], model.normalization, tile)
        mu = engine(engine.prepare([x]))[0]
        ys, xs = tile.inner
        pairs.append((x[net.centre, ys, xs], mu[:, ys, xs]))
    return estimate_offset([pairs])[0]
