"""The detail restore's noise curve of a trained model, measured on its training images."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.sample import Start

if TYPE_CHECKING:
    from napari_sdap.api.model import SDAPModel
    from napari_sdap.infer.sample import Pairs

__all__ = ["CORRELATED_THRESHOLD", "DECORRELATED_THRESHOLD", "KNOWN_THRESHOLD", "ReachBase",
           "describe_reach", "finish_curve", "measure_noise_curve"]

log = logging.getLogger(__name__)

CORRELATED_THRESHOLD = 1.5
"""Lowest detail-restore threshold of the gate for models trained at a stride above 1
(correlated noise) whose noise is still correlated at the stride (`infer.noise_reach`): it makes
up for a residual that reads such noise low (FMD wide-field frames: 0.46x the truth; from 1.0
they scored 0.29-0.59 dB lower, docs/benchmarks.md)."""
DECORRELATED_THRESHOLD = 1.25
"""The same where the noise reads decorrelated at the stride (2 x 2 box noise at stride 2, 3 x 3
at stride 3): there the residual reads textured photographs high and 1.5 kept detail back
(Set12 / BSD68 crops with 2 x 2 noise of std 15: +0.33 / +0.37 dB from 1.25). Not 1.0, which
gains more there (+0.45 / +0.53) but reads smooth microscopy with the same noise low and cost
it 0.19-0.36 dB (1.25: 0.00 / -0.11; docs/benchmarks.md, "The gate's start from the noise's
reach")."""
KNOWN_THRESHOLD = 1.0
"""Lowest threshold of the gate where the user gave the noise level (`infer.known`), at any
stride: the 1.5 above makes up for a noise reading that is low on smooth images with broadly
correlated noise, which a known level is not (docs/benchmarks.md, "A known noise level")."""


def measure_noise_curve(model: SDAPModel, sources: list[tuple[Any, Any]], dev: Any
                        ) -> tuple[NoiseCurve, NoiseCurve]:
    """The detail restore's `NoiseCurve` of `model`'s network on sample windows of `sources`,
    and the plain one its student's targets restore with (`infer.curve.estimate_curve`)."""
    from napari_sdap.infer.known import known_noise, per_group
    from napari_sdap.infer.lags import LAG
    from napari_sdap.infer.sample import measure_curve
    from napari_sdap.infer.stream import Engine, read_window
    from napari_sdap.infer.tiling import alignment, exact_halo

    mode = model.resolve_mode("auto")
    pd = model.config.inference.pd_stride
    engine = Engine(model.network, dev, mode, pd, compile=False)
    norm = model.normalization
    stride = model.config.training.stride
    noise = known_noise(model.config.training)
    known = None if noise is None else per_group(noise, norm, len(norm.low))
    base = ReachBase(stride) if stride > 1 and known is None else (
        1.0 if known is None else KNOWN_THRESHOLD)
    curves = measure_curve(
        lambda w: engine(engine.prepare([w]))[0],
        lambda k, t: read_window(sources[k][0], sources[k][1], norm, t),
        [v for _, v in sources], exact_halo(model.network.radius, mode, pd),
        alignment(mode, pd), seed=model.config.seed,
        threshold=base, lag=max(LAG, stride), offset=stride == 1, known=known)
    if not isinstance(base, ReachBase) or base.reading is None:
        return curves
    return curves[0].model_copy(update={"reach": base.reading}), curves[1]


class ReachBase:
    """The gate's lowest threshold for a model trained at `stride` (above 1), chosen from the
    noise's correlation at the stride read on the sampled pairs (`infer.noise_reach`), and
    where the noise reads decorrelated there, the model curve capped against texture
    (`infer.texture`); the reading is kept (`reading`) for the model's curve."""

    def __init__(self, stride: int) -> None:
        self.stride = stride
        self.reading: float | None = None

    def __call__(self, pairs: Pairs) -> Start:
        from napari_sdap.infer.noise_reach import DECORRELATED, stride_correlation

        self.reading = rho = stride_correlation(pairs, self.stride)
        low = rho is not None and rho < DECORRELATED
        start = DECORRELATED_THRESHOLD if low else CORRELATED_THRESHOLD
        log.info("noise correlation at the stride (%d px): %s; the detail restore's gate starts "
                 "at threshold %g%s", self.stride, "unread" if rho is None else f"{rho:.2f}",
                 start, ", its noise curve capped against texture if the noise reads Gaussian-like"
                 if low else "")
        return Start(start, cap=low)


def describe_reach(curve: NoiseCurve, stride: int) -> str:
    """Why the gate started where it did, for `SDAPModel.describe_detail` ("" where the
    correlation at the stride was not read)."""
    from napari_sdap.infer.noise_reach import DECORRELATED

    if curve.reach is None:
        return ""
    low = curve.reach < DECORRELATED
    return (f"; lowest threshold tried {DECORRELATED_THRESHOLD if low else CORRELATED_THRESHOLD:g}"
            f": the noise's correlation at the {stride}-px training stride reads "
            f"{curve.reach:.2f}, {'below' if low else 'not below'} {DECORRELATED:g}"
            + (" (noise curve capped against texture if the noise reads Gaussian-like)"
               if low else ""))


def finish_curve(model: SDAPModel, sources: list[tuple[Any, Any]], dev: Any, start: int
                 ) -> NoiseCurve | None:
    """When a training ends: measure the detail restore's noise curve of the network as trained
    and return the plain curve for the student's targets (None when none was measured: no step
    taken since `start`, a 3-D model, or a failed measurement)."""
    if model.record.steps == start:
        return None  # no step taken: the network (and any curve it has) is unchanged
    if model.config.network.dims == 3:  # the curve compares the output with its own plane
        log.info("3-D model: no noise curve is measured; it denoises with the network output "
                 "alone (no detail restore)")
        return None
    model.noise_curve = None  # a curve of the network before this training no longer applies
    model.record.output_blur = model.record.output_mix = None
    try:
        model.noise_curve, targets = measure_noise_curve(model, sources, dev)
    except (RuntimeError, OSError) as err:  # out of memory, unreadable input: keep the training
        log.warning("could not measure the noise for the detail restore (%s); the model "
                    "denoises with the network output alone", err)
        return None
    return targets
