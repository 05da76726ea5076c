"""The detail restore's noise curve of a trained model, measured on its training images."""

from __future__ import annotations

from typing import Any

from napari_sdap.api.model import SDAPModel
from napari_sdap.infer.refine import NoiseCurve

__all__ = ["CORRELATED_THRESHOLD", "measure_noise_curve"]

CORRELATED_THRESHOLD = 1.5
"""Detail-restore threshold for models trained at a stride above 1 (correlated noise)."""


def measure_noise_curve(model: SDAPModel, sources: list[tuple[Any, Any]], dev: Any
                        ) -> tuple[NoiseCurve, NoiseCurve]:
    """The detail restore's `NoiseCurve` of `model`'s network on sample windows of `sources`,
    and the plain one its student's targets restore with (`infer.curve.estimate_curve`)."""
    from napari_sdap.infer.lags import LAG
    from napari_sdap.infer.sample import measure_curve
    from napari_sdap.infer.stream import Engine, read_window
    from napari_sdap.infer.tiling import alignment, exact_halo

    mode = model.resolve_mode("auto")
    pd = model.config.inference.pd_stride
    engine = Engine(model.network, dev, mode, pd, compile=False)
    norm = model.normalization
    stride = model.config.training.stride
    return measure_curve(
        lambda w: engine(engine.prepare([w]))[0],
        lambda k, t: read_window(sources[k][0], sources[k][1], norm, t),
        [v for _, v in sources], exact_halo(model.network.radius, mode, pd),
        alignment(mode, pd), seed=model.config.seed,
        threshold=1.0 if stride == 1 else CORRELATED_THRESHOLD, lag=max(LAG, stride))
