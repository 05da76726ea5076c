"""The detail restore's gate: how much of the residual a model gives back, chosen when training
ends on held-out pixels of its training images (`choose_gate`, called by
`infer.curve.estimate_curve`), and the noise variance read from a curve at any intensity
(`noise_at`).

Gate: the restored output is ``mu + k g r`` with ``g = max(0, 1 - t s2 / E)``. For a blind-spot
network ``mu``, ``E`` and ``s2(mu)`` do not depend on the pixel's own noise ``n`` (zero mean,
variance ``v``), so neither does ``g``, and per pixel

    E[(mu + k g r - y)**2] - E[(mu - y)**2] = E[(k**2 g**2 - 2 k g) r**2] + 2 k g v

(Stein's unbiased risk estimate: the only term that needs the clean ``y`` is ``E[k g r n]``,
which is ``k g v``). Comparing the restore with the noisy pixel instead would be biased, since
it copies ``x``; this form is not. ``v`` is needed at the pixel's true intensity: it is
read at ``x`` itself from a second curve, the mean own ``r**2`` less the local mean of the lag
products (`infer.lags.axis_products`) over the flattest quarter of each bin (least local
variation of ``mu``), capped only against its neighbouring bins, merged to one noise std so
that it is straight over the noise's spread; then its mean over the noise is the variance at
the true intensity (exactly so for Poisson-Gaussian noise, whose variance is affine in the
intensity). Summed over the held-out
half the change is ``k**2 A - 2 k B`` with ``A = sum g**2 r**2`` and ``B = sum g (r**2 - v)``:
the best strength is ``k = B / A`` (at most 1). The threshold with the largest estimated gain
is kept if that gain exceeds two standard errors of its estimate; otherwise the strength is 0
and the model denoises with the network alone. Measurements: docs/method.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.refine import blend_gain

__all__ = ["THRESHOLDS", "TINY", "Pixels", "choose_gate", "noise_at"]

THRESHOLDS = (1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0)
"""Thresholds tried by the gate, as multiples of the model's base threshold (at most 10)."""
TINY = 1e-12
"""The smallest noise variance (and intensity step) counted."""
_SURE = 2.0
"""A gain counts when it exceeds this many standard errors of its estimate."""

Pixels = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""(x, mu, r**2, E, scale) of one channel, flat arrays; `scale`: how much stronger the noise
reads around each pixel than its curve says (`infer.noise_field`; 1: as the curve says)."""


def noise_at(x: np.ndarray, levels: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """Piecewise-linear ``variance(levels)`` at `x`, extended linearly beyond both ends (never
    below 0): its mean over the noise of ``x`` is the variance at the mean, as long as the
    curve is locally straight (exactly so for Poisson-Gaussian noise)."""
    out = np.interp(x, levels, variance)
    if len(levels) >= 2:
        for lo, hi, side in ((0, 1, x < levels[0]), (-2, -1, x > levels[-1])):
            slope = (variance[hi] - variance[lo]) / max(levels[hi] - levels[lo], TINY)
            end = levels[lo] if lo == 0 else levels[hi]
            base = variance[lo] if lo == 0 else variance[hi]
            out = np.where(side, base + slope * (x - end), out)
    return np.maximum(out, 0.0)


def choose_gate(held_out: Sequence[Sequence[Pixels]], curve: NoiseCurve,
                noise: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]], base: float = 1.0
                ) -> tuple[float, float, float]:
    """(threshold, strength, estimated change of the mean squared error per pixel, on the
    curve's scale; negative: the restore helps) from held-out pixels listed [group][channel];
    `noise` holds each channel's gate curve ``(levels, variance)``. See the module text."""
    r2, energy, s2, var = [], [], [], []
    for g, per_ch in enumerate(held_out):
        for c, (x, m, rr, e, scale) in enumerate(per_ch):
            lv, nv = noise[g][c]
            r2.append(rr)
            energy.append(e)
            s2.append(np.interp(m, curve.levels[g][c], curve.variance[g][c]))
            var.append(noise_at(x, lv, nv) * scale)
    tr2, te, ts2, tvar = (torch.from_numpy(np.concatenate(v).astype(np.float64))
                          for v in (r2, energy, s2, var))
    n = max(tr2.numel(), 1)
    best = (base, 0.0, 0.0)
    for factor in THRESHOLDS:
        t = min(base * factor, 10.0)
        gain = blend_gain(tr2, te, ts2, t)
        a_sum = float((gain * gain * tr2).sum())
        b_sum = float((gain * (tr2 - tvar)).sum())
        if a_sum <= 0.0 or b_sum <= 0.0:
            continue
        k = min(b_sum / a_sum, 1.0)
        each = (k * k * gain * gain - 2.0 * k * gain) * tr2 + 2.0 * k * gain * tvar
        change = float(each.mean())
        if change + _SURE * float(each.std()) / np.sqrt(n) < min(best[2], 0.0):
            best = (t, k, change)
    return best
