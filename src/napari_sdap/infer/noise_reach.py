"""How far the noise of a model trained for correlated noise reaches: its correlation at the
training stride, read from the noisy data alone.

A blind-spot network trained at stride ``s`` sees no neighbour closer than ``s`` pixels in each
sub-image. Where the noise is still correlated at ``s`` pixels (FMD wide-field frames, camera
pipelines with demosaicing and JPEG), the network takes up part of the noise from the
neighbours it sees, its residual reads the noise low, and the detail restore's gate starts at
threshold 1.5 to make up for it (`api.noise_curve`). Where the noise is decorrelated at ``s``
(2 x 2 box-filtered noise at stride 2), the residual is not read low for that reason, and on
textured photographs the 1.5 keeps back detail: the gate starts lower there (`api.noise_curve`;
docs/benchmarks.md, "The gate's start from the noise's reach").

The correlation is read as the output blur reads the noise's covariance
(`infer.correlated.noise_covariance`: the input's variogram where the output is flattest),
here with the network's output before any restore. Texture the flattest pixels still hold
adds to it (the variogram grows with the lag), so it reads high rather than low.

Where the noise is correlated at the stride, the gate's variance curve, read from the residual,
is also scaled up to the input's variance read the same way (`gate_scale`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from napari_sdap.infer.correlated import LAGS, counted, noise_covariance
from napari_sdap.infer.noise_model import NoiseCurve

__all__ = ["DECORRELATED", "MAX_SCALE", "gate_scale", "stride_correlation"]

DECORRELATED = 0.07
"""The noise counts as decorrelated at the stride where its correlation there reads below
this. 2 x 2 box noise at stride 2 (truth 0) read -0.03 to 0.072 on 15 textured crops and 4
microscopy images; the least correlated real noise measured, FMD WideField_BPAE_G full frames
(truth 0.09-0.10), 0.10, and PolyU chair_5 at stride 3 0.09 (the lower start cost them 0.07 /
0.05 dB), so the margin is kept on the side of real noise."""

MAX_SCALE = 2.0
"""`gate_scale` at most. A sill far above the gate's curve is more likely texture the
flattest pixels still hold than noise (the output blur caps its own reading for that reason,
`infer.correlated.MAX_FACTOR`); on the data measured the scale read 1.0-2.0, but for the
green channel of phone-camera proxies (2.7-3.1, where it changed no gate)."""


def stride_correlation(pairs: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]], stride: int
                       ) -> float | None:
    """The noise's correlation at `stride` pixels, the larger of the two axes, from (input,
    network output) pairs of C x h x w windows listed per channel group; None where it cannot
    be read (too few unclipped pixels, or a stride beyond the covariance's `LAGS`)."""
    if not 1 <= stride <= LAGS:
        return None
    inputs = [(np.asarray(x, np.float32), np.asarray(mu, np.float32), g)
              for g, per in enumerate(pairs) for x, mu in per]
    cov = noise_covariance((x, mu, g, counted(x)) for x, mu, g in inputs)
    if cov is None:
        return None
    k = cov.kernel
    return float(max(k[LAGS, LAGS + stride], k[LAGS + stride, LAGS]))


def gate_scale(pairs: Sequence[tuple[np.ndarray, np.ndarray]], curves: Sequence[
               tuple[np.ndarray, np.ndarray]]) -> list[float]:
    """Per channel, how much the detail restore gate's variance curve (``(levels, variance)``
    per channel, `infer.curve`) reads noise that is still correlated at the stride low: the
    input's variance where the output is flattest (the variogram's sill,
    `infer.correlated.noise_covariance`) over the curve's mean there, at least 1, from the
    (input, network output) pairs of one channel group (1 where it cannot be read).

    The gate's curve reads the residual, and a network that sees neighbours whose noise is
    correlated with the pixel's takes part of that noise into its output; in JPEG-compressed
    camera images the flattest pixels hold less noise, too. The variogram of the input does not
    depend on the network: on FMD wide-field frames and PolyU camera images the gate's curve
    read 0.40-0.57 of the true variance where the gate restores, the sill 0.6-1.0 (docs/
    benchmarks.md, "The gate's curve read up to the input"). At most `MAX_SCALE`."""
    curve = NoiseCurve(levels=[[list(map(float, lv)) for lv, _ in curves]],
                       variance=[[list(map(float, v)) for _, v in curves]])
    windows = ((np.asarray(x, np.float32), np.asarray(mu, np.float32), 0,
                counted(np.asarray(x, np.float32))) for x, mu in pairs)
    cov = noise_covariance(windows, curve=curve, cap=float("inf"))
    if cov is None:
        return [1.0] * len(curves)
    return [min(max(1.0, cov.factor.get((0, c), 1.0)), MAX_SCALE) for c in range(len(curves))]
