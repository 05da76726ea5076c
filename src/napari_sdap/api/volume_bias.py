"""The bias correction of 3-D models, measured when training ends and added after the network.

Trained with the L1 loss, a blind-spot network predicts each voxel's conditional median, which
for Poisson noise at a few photons lies below the mean (`infer.offset`). 2-D models store the
measured correction in their noise curve; 3-D models have no curve (no detail restore), so the
same estimate, per channel group and channel the mean of ``x - mu`` over sample windows of the
training stacks' centre planes, is kept in `record.volume_offset` and added to the teacher's
output (`infer.offset.Shift`, `SDAPModel.refine`): every tile, lazy view and cluster piece
gets it, and the student learns the corrected output. The estimate is unbiased where the
output at a voxel does not depend on its own noise and that noise is independent of its
neighbours' (stride 1, planes read with independent noise); it is not made for models trained
at a stride above 1 (correlated noise) or for clipped channels (`infer.offset`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from napari_sdap.infer.offset import Shift, estimate_offset

if TYPE_CHECKING:
    from napari_sdap.api.model import SDAPModel

__all__ = ["correct_volume_bias", "describe_volume_bias", "volume_shift"]

log = logging.getLogger(__name__)


def volume_shift(model: SDAPModel, mode: str | None) -> Shift | None:
    """The step after a 3-D `model`'s network in `mode` (None: the teacher's): its bias
    correction, or None (none measured, or the student, which learned the corrected output)."""
    offsets = model.record.volume_offset
    if not offsets or mode == "student" or not any(any(g) for g in offsets):
        return None
    return Shift(tuple(tuple(g) for g in offsets))


def correct_volume_bias(model: SDAPModel, sources: list[tuple[Any, Any]], dev: Any) -> None:
    """Measure the 3-D `model`'s output bias on sample windows of `sources` (its volume views)
    into `record.volume_offset` (on the network's normalised scale, [group][channel]), in place
    of the bias of the network before this training."""
    model.record.volume_offset = None
    if model.config.training.stride != 1:
        log.info("3-D model: no bias correction (trained at stride %d: correlated noise, where "
                 "the estimate is not unbiased)", model.config.training.stride)
        return
    offsets = _measure(model, sources, dev)
    if not any(any(g) for g in offsets):
        log.info("3-D model: no bias correction (the input reads clipped at its lowest or "
                 "highest value, or no bias was measured)")
        return
    model.record.volume_offset = offsets
    log.info("3-D model: bias correction of the network output (image units, per channel): %s",
             _in_image_units(model, offsets))


def describe_volume_bias(model: SDAPModel) -> str:
    """The bias correction added to a 3-D model's output, for `describe_detail` ("": none)."""
    offsets = model.record.volume_offset
    if not offsets or model.normalization is None:
        return ""
    return ("; its bias correction, added to the network's output (image units, per "
            f"channel): {_in_image_units(model, offsets)}")


def _in_image_units(model: SDAPModel, offsets: list[list[float]]) -> str:
    return ", ".join(f"{v * model.normalization.scale(g)[1]:+.3g}"
                     for g, per in enumerate(offsets) for v in per)


def _measure(model: SDAPModel, sources: list[tuple[Any, Any]], dev: Any) -> list[list[float]]:
    """[group][channel]: the mean of ``x - mu`` of the centre planes over sample windows (0 for
    a clipped channel, `infer.offset.estimate_offset`), the network's output as trained."""
    from napari_sdap.api.modes import default_mode
    from napari_sdap.infer.sample import sample_tiles
    from napari_sdap.infer.stream import Engine, read_window
    from napari_sdap.infer.tiling import alignment, exact_halo

    net = model.network
    mode = default_mode(model)
    pd = model.config.inference.pd_stride
    engine = Engine(net, dev, mode, pd, compile=False)  # (no step after the network)
    views = [v for _, v in sources]
    pairs: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in
                                                        range(views[0].n_channel_groups)]
    for k, tile, g in sample_tiles(views, exact_halo(net.radius, mode, pd), alignment(mode, pd),
                                   model.config.seed):
        x = read_window(sources[k][0], sources[k][1], model.normalization, tile)
        mu = engine(engine.prepare([x]))[0]
        ys, xs = tile.inner
        pairs[g].append((x[net.centre, ys, xs], mu[:, ys, xs]))
    return [estimate_offset([p])[0] if p else [0.0] * net.in_channels for p in pairs]
