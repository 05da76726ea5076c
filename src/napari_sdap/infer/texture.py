"""A cap on the detail restore's noise readings that texture cannot lift far: a low quantile of
each intensity bin's local noise energy.

The noise curve reads each bin's noise where the network output is flattest (`infer.curve`).
Where a whole bin is texture the network missed (the bright foliage of a photograph), even its
flattest pixels hold that texture, and the bin reads it as noise: on BSD68 test008 with 2 x 2
box-filtered noise of std 15 the curve read std 15.6-43.3, the gate gave back almost nothing
there and the output fell 2.4 dB below the noisy input. Texture is patchy, noise is everywhere:
the lowest local readings of a bin (7 x 7 windows, `infer.curve`'s ``max(E - D, 0)``) are
texture-free far more often than the flattest outputs are.

For noise alone, the `CAP_QUANTILE` quantile of those local readings is a fixed share of the
noise variance, set by how many independent samples a 7 x 7 window holds: 0.49-0.61 for 2 x 2
box noise at stride 2 on 15 smooth and textured photograph crops (their least textured bins).
`CAP_FACTOR` scales it back, so a bin of noise alone reads about as before (the cap lowered
smooth bins' readings by at most 8 % in std) and a textured bin far less above its noise than
before (test008: std up to 1.7x the truth, 2.9x without the cap).

Noise whose local readings spread wider than that is left uncapped: where even the bin of
least texture reads above its cap (JPEG-compressed camera noise is flattened to nothing in
smooth 8 x 8 blocks and left in busy ones; on PolyU chair_11 the least textured bin read 2.6x
its 5th percentile, against 1.4-1.6x on the box-noise crops), a cap would read the noise far
too low (0.2-0.47x the truth on chair_11, against 0.47-0.69x without it).

The cap is used only where the noise reads decorrelated at the training stride
(`infer.noise_reach`): there a window holds as many independent noise samples as on those
crops. Where the noise is still correlated at the stride (camera pipelines, FMD wide-field) the
windows hold fewer, the quantile lies lower, the residual mostly reads the noise low already
(0.64-1.1x the truth in std on FMD wide-field frames and phone-camera proxies), and the cap
would lower it further.

Where the noise is white (models trained at stride 1), a second cap reads the noise from the
input itself: the energy of its highest spatial frequencies (`high_pass_energy`, a 5 x 5
high-pass filter), where white noise has as much power as anywhere and the texture of
photographs and micrographs, whose spectrum falls with frequency, very little. A low quantile
of its 7 x 7 local means per bin, scaled to the noise's (`HP_NORM`), read white noise of std 5
on 256² crops of the 80 Set12 and BSD68 images at a median 1.12x its std (0.85-1.15x on 53,
above 1.3x on 7, 2.4x at most), of std 10 at 1.06x (73 of 80 within 15 %), where the detail
restore's curve read textured crops' variance 1.5-4x (docs/benchmarks.md, "Weak noise over
texture: the noise read from the highest frequencies"). Windows that hold a clipped value are
left out: there the noise is cut. Noise with less power at the highest frequencies than white
Gaussian noise reads low: FMD's confocal and two-photon frames 0.3-1.0x their variance per
intensity bin, its wide-field frames (noise correlated between neighbours) 0.05-0.1x; hence
`HP_SKEW` and the check on the bin of least texture in `white_cap`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from napari_sdap.clipping import clipped_ends

__all__ = ["CAP_FACTOR", "CAP_QUANTILE", "HP_FACTOR", "HP_NORM", "HP_QUANTILE", "HP_SKEW",
           "gaussian_like", "high_pass_energy", "texture_cap", "white_cap"]

CAP_QUANTILE = 0.05
CAP_FACTOR = 1.8
"""1 / 0.556: the noise variance over the `CAP_QUANTILE` quantile of its local readings."""


def texture_cap(clear: np.ndarray, masks: Sequence[np.ndarray], reads: Sequence[float]
                ) -> list[float]:
    """The highest noise variance each bin (`masks` over the local readings `clear`, which
    read `reads` without the cap) may read: `CAP_FACTOR` times the bin's `CAP_QUANTILE`
    quantile of `clear`; no cap (infinity) where even the bin of least texture, the one whose
    reading is the smallest multiple of its quantile, reads above the cap: the local readings
    of that noise spread wider than Gaussian noise's (JPEG-compressed camera noise, flattened
    to nothing in smooth blocks: PolyU chair_11 1.6x the cap)."""
    quantiles = [float(np.quantile(clear[m], CAP_QUANTILE)) for m in masks]  # clear >= 0
    ratios = [r / q for r, q in zip(reads, quantiles, strict=True) if q > 0.0]
    if not ratios or min(ratios) > CAP_FACTOR:
        return [np.inf] * len(masks)
    return [CAP_FACTOR * q for q in quantiles]


HP_QUANTILE = 0.05
HP_NORM = 0.411
"""The `HP_QUANTILE` quantile of `high_pass_energy` over white Gaussian noise of variance 1
(simulated: its 7 x 7 means hold few independent samples)."""
HP_FACTOR = 1.2
"""The white cap over the reading: above most readings of noise over little texture (white
noise of std 10 and 25 on the 80 Set12 and BSD68 crops: a median 1.06x / 1.01x its std), so
that it binds where texture lifted the curve."""
HP_SKEW = 0.3
"""Most skewness of the noise (`training.noise.NoiseEstimate.skew`) for the white cap: Poisson
noise of 11 photons or more per pixel, near Gaussian. The quantile assumes Gaussian noise; on
photon noise of a few counts (FMD Confocal_FISH, skewness 2.4) it read 0.4-0.8 of the
variance, and the cap cost the teacher 0.25 dB there."""
_HP = (1.0, -4.0, 6.0, -4.0, 1.0)
_HP_BOX = 7
_HP_MIN = 64
_CLIPPED = 1e-3
"""A share of pixels at an end of the window's values that marks a clip (`clipped_ends`)."""


def gaussian_like(noise: dict | None) -> bool:
    """Whether a model's noise record (`SDAPModel.record.noise`) reads near-Gaussian noise
    (skewness at most `HP_SKEW`); False where it was not read."""
    skew = None if noise is None else noise.get("skew")
    return skew is not None and abs(float(skew)) <= HP_SKEW


def high_pass_energy(x: torch.Tensor) -> torch.Tensor:
    """Each pixel's 7 x 7 mean of the squared unit-energy high-pass of `x` (C x h x w; the
    outer product of ``1, -4, 6, -4, 1`` with itself, over 70**2): for white noise its mean is
    the noise variance. Infinity where the window does not fit or holds a clipped value."""
    k = torch.tensor(_HP, dtype=torch.float32)
    kernel = (torch.outer(k, k) / 70.0).view(1, 1, 5, 5)
    c, h, w = x.shape
    out = torch.full((c, h, w), float("inf"))
    r = 2 + _HP_BOX // 2
    if h <= 2 * r or w <= 2 * r:
        return out
    local = F.avg_pool2d(F.conv2d(x[:, None].float(), kernel) ** 2, _HP_BOX, stride=1)[:, 0]
    for ch in range(c):
        values = x[ch].numpy()
        ends = (values.min(), values.max())
        cut = [float(e) for e, clip in zip(ends, clipped_ends(values, _CLIPPED), strict=True)
               if clip]
        near = torch.zeros((h - 2 * r, w - 2 * r), dtype=torch.bool)
        if cut:
            at = sum((x[ch] == e).float() for e in cut)
            near = F.max_pool2d(at[None, None], 2 * r + 1, stride=1)[0, 0] > 0
        out[ch, r:-r, r:-r] = torch.where(near, float("inf"), local[ch])
    return out


def white_cap(hp: np.ndarray, masks: Sequence[np.ndarray], reads: Sequence[float]
              ) -> list[float]:
    """The highest noise variance each bin (`masks` over `high_pass_energy` readings `hp`, which
    read `reads` without the cap) may read where the noise is white: `HP_FACTOR` times its
    `HP_QUANTILE` quantile of the finite readings over `HP_NORM`; no cap (infinity) where fewer
    than 64 readings are finite, and none at all where even the bin of least texture, the one
    whose reading is the smallest multiple of its cap, reads above it: there the highest
    frequencies hold less of the noise than white Gaussian noise has (skewed photon noise of a
    few counts, noise slightly correlated between neighbours)."""
    caps = []
    for m in masks:
        v = hp[m]
        v = v[np.isfinite(v)]
        caps.append(HP_FACTOR * float(np.quantile(v, HP_QUANTILE)) / HP_NORM
                    if v.size >= _HP_MIN else np.inf)
    ratios = [r / c for r, c in zip(reads, caps, strict=True) if 0.0 < c < np.inf]
    if not ratios or min(ratios) > 1.0:
        return [np.inf] * len(masks)
    return caps
