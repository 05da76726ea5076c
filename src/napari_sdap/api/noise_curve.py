"""The detail restore's noise curve of a trained model, measured on its training images."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.noise_reach import DECORRELATED, stride_correlation
from napari_sdap.infer.sample import Base, Pairs, Start

if TYPE_CHECKING:
    from napari_sdap.api.model import SDAPModel

__all__ = ["CORRELATED_THRESHOLD", "DECORRELATED_THRESHOLD", "KNOWN_THRESHOLD", "describe_reach",
           "finish_curve", "measure_noise_curve", "reach_base", "reach_start"]

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
    from napari_sdap.api.modes import default_mode
    from napari_sdap.infer.known import known_noise, per_group
    from napari_sdap.infer.lags import LAG
    from napari_sdap.infer.sample import measure_curve
    from napari_sdap.infer.stream import Engine, read_window
    from napari_sdap.infer.texture import gaussian_like
    from napari_sdap.infer.tiling import alignment, exact_halo

    mode = default_mode(model)  # (no student yet: the teacher's mode)
    pd = model.config.inference.pd_stride
    engine = Engine(model.network, dev, mode, pd, compile=False)
    norm = model.normalization
    stride = model.config.training.stride
    noise = known_noise(model.config.training)
    known = None if noise is None else per_group(noise, norm, len(norm.low))
    base: float | Base = (KNOWN_THRESHOLD if known is not None else
                          1.0 if stride == 1 else reach_base(stride))
    return measure_curve(
        lambda w: engine(engine.prepare([w]))[0],
        lambda k, t: read_window(sources[k][0], sources[k][1], norm, t),
        [v for _, v in sources], exact_halo(model.network.radius, mode, pd),
        alignment(mode, pd), seed=model.config.seed,
        threshold=base, lag=max(LAG, stride), offset=stride == 1, known=known,
        white=stride == 1 and gaussian_like(_noise_read(model, sources)))


def _noise_read(model: SDAPModel, sources: list[tuple[Any, Any]]) -> dict[str, Any] | None:
    """The model's noise record, or where its stride was given (no record) the noise read from
    `sources` now: the white cap needs its skewness (`infer.texture.gaussian_like`)."""
    if model.record.noise is not None:
        return model.record.noise
    from napari_sdap.training.noise import estimate_noise

    return {"skew": estimate_noise(sources, seed=model.config.seed).skew}


def reach_start(reach: float | None) -> Start:
    """The gate's start for a model trained at a stride above 1 whose noise reads correlation
    `reach` at the stride (`infer.noise_reach`; None: unread): from 1.25, with the model curve
    capped against texture (`infer.texture`), where it reads decorrelated; else from 1.5, with
    the gate's curve raised to the input's variogram where it reads correlated
    (`infer.noise_reach.gate_scale`; unread: as before, a stride beyond the reading was never
    measured with it)."""
    low = reach is not None and reach < DECORRELATED
    return Start(DECORRELATED_THRESHOLD if low else CORRELATED_THRESHOLD, cap=low, reach=reach,
                 rescale=reach is not None and not low)


def reach_base(stride: int) -> Base:
    """The gate's start for a model trained at `stride` (above 1), from the noise's correlation
    at the stride read on the sampled pairs (`reach_start`)."""

    def base(pairs: Pairs) -> Start:
        start = reach_start(stride_correlation(pairs, stride))
        log.info("noise correlation at the stride (%d px): %s; the detail restore's gate starts "
                 "at threshold %g%s", stride,
                 "unread" if start.reach is None else f"{start.reach:.2f}", start.threshold,
                 ", its noise curve capped against texture if the noise reads Gaussian-like"
                 if start.cap else ", its noise reading raised to the input's where lower"
                 if start.rescale else "")
        return start

    return base


def describe_reach(curve: NoiseCurve, stride: int) -> str:
    """Why the gate started where it did, for `SDAPModel.describe_detail` ("" where the
    correlation at the stride was not read)."""
    if curve.reach is None:
        return ""
    start = reach_start(curve.reach)
    return (f"; lowest threshold tried {start.threshold:g}: the noise's correlation at the "
            f"{stride}-px training stride reads {curve.reach:.2f}, "
            f"{'below' if start.cap else 'not below'} {DECORRELATED:g}"
            + (" (noise curve capped against texture if the noise reads Gaussian-like)"
               if start.cap else " (the gate's noise reading raised to the input's where lower)"))


def finish_curve(model: SDAPModel, sources: list[tuple[Any, Any]], dev: Any, start: int
                 ) -> NoiseCurve | None:
    """When a training ends: measure the detail restore's noise curve of the network as trained
    and return the plain curve for the student's targets (None when none was measured: no step
    taken since `start`, a 3-D model, or a failed measurement). A 3-D model gets its bias
    correction instead (`api.volume_bias`)."""
    if model.record.steps == start:
        return None  # no step taken: the network (and any curve it has) is unchanged
    if model.config.network.dims == 3:  # the curve compares the output with its own plane
        log.info("3-D model: no noise curve is measured; it denoises with the network output "
                 "alone (no detail restore)")
        from napari_sdap.api.volume_bias import correct_volume_bias

        try:
            correct_volume_bias(model, sources, dev)
        except (RuntimeError, OSError) as err:  # as for the curve: keep the training
            log.warning("could not measure the 3-D model's output bias (%s); it denoises "
                        "with the network output as trained", err)
        if model.config.training.noise_std is not None:  # (it would replace that curve's noise)
            log.warning("the known noise level (noise_std=%g; CLI --noise-std) is not used by a "
                        "3-D model: it sets the noise of the detail restore, which 3-D models do "
                        "not have; the model denoises with its network output alone",
                        model.config.training.noise_std)
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
