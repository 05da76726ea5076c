"""The blind-spot network's bias against the mean, measured on its training images.

Trained with the L1 loss, the network predicts each pixel's conditional *median* given its
surroundings, not its mean. For noise that is symmetric the two agree; for Poisson noise at a
few photons per pixel they do not: where a pixel expects well under one photon the median is 0,
and the output sits below the truth, most of all in dark regions (a strong-noise crop at a peak
of 5 photons: 6 grey levels low on average, 3 dB of PSNR; FMD Confocal_FISH frames: 2.7-7.8
grey levels low, 1.5 dB; docs/benchmarks.md).

The correction is measured when training ends, from the same sample windows as the noise
curve: per channel, the mean of ``x - mu`` over the sampled pixels. For a blind-spot network at
stride 1 ``mu`` does not depend on the pixel's own noise, which has zero mean, so this is an
unbiased estimate of the output's mean bias, from the noisy data alone. It is one constant per
channel: measured per intensity it gained no more (31.70 against 31.68 dB on Confocal_FISH)
and, steeper than the output itself, it amplified the errors of briefly trained networks. The
model stores it in its noise curve (`NoiseCurve.offset`); the teacher's output is ``mu +
offset`` before the detail restore (`infer.refine.Refine`), and the student learns the
corrected output. Not measured for correlated noise (stride > 1): there the output depends on
neighbours whose noise is correlated with the pixel's. Nor for clipped data (at least
`CLIPPED` of a channel's sampled pixels piled up at its lowest or highest value: 8-bit
low-light frames with the background at 0): there the noise was cut off at the clip and the
mean of the input is not the mean of the signal (the offset cost up to 0.77 dB on three of
five clipped proxies).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from napari_sdap.clipping import CLIPPED, clipped_ends
from napari_sdap.model.normalize import difference_std, without_fill

__all__ = ["CLIPPED", "FILL_NOISE", "Shift", "estimate_offset", "is_fill", "shift"]

FILL_NOISE = 3.0
"""A pile at a channel's lowest value lying more than this many noise stds below the rest's
lower 0.5 % is a fill (`is_fill`): noise cut at a clip leaves the rest's lowest 0.5 % within a
fraction of a std of it (8-bit low-light frames: the next grey level)."""


def estimate_offset(samples: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]]
                    ) -> list[list[float]]:
    """[group][channel] -> the output's mean bias ``mean(x - mu)``, from (input, network
    output) pairs of C x h x w windows listed per group."""
    offsets = []
    for pairs in samples:
        c = np.shape(pairs[0][1])[0]
        x = np.concatenate([np.reshape(a, (c, -1)) for a, _ in pairs], axis=1).astype(np.float64)
        mu = np.concatenate([np.reshape(m, (c, -1)) for _, m in pairs], axis=1)
        windows = [np.asarray(a, np.float64) for a, _ in pairs]
        offsets.append([_channel_offset(x[ch], mu[ch], [np.atleast_2d(w[ch]) for w in windows])
                        for ch in range(c)])
    return offsets


def _channel_offset(x: np.ndarray, mu: np.ndarray, windows: Sequence[np.ndarray]) -> float:
    """``mean(x - mu)`` of one channel's sampled pixels, leaving out a fill (a stitched
    mosaic's or a registration's 0 far below the data, `is_fill`; `windows`: the channel's
    h x w input windows); 0 for a channel clipped at either end. Counted in, a fill's pile read
    as a clip and no correction was made, though the network trained beside it came out
    darkest: a stack with a quarter of 0 fill beside data at 100 + 2 photons came out about 0.9
    photons dark after 250 `fast` steps (the signal above the offset is about 1 photon),
    against 0.03 without the fill."""
    if is_fill(x, windows):
        keep = x > x.min()
        x, mu = x[keep], mu[keep]
    return 0.0 if any(clipped_ends(x, CLIPPED)) else float((x - mu).mean())


def is_fill(values: np.ndarray, windows: Sequence[np.ndarray]) -> bool:
    """Whether the lowest of one channel's sampled `values` is a fill, not a clip: a pile (at
    least `CLIPPED` of them) apart from the rest (further from the next value than any two
    of the rest's values are: whole numbers whose zeros pile up next to their ones are
    clipped), and either the normalisation's fill (`model.normalize.without_fill`: far below
    the rest against the rest's span) or below the rest's lower 0.5 % by more than
    `FILL_NOISE` noise stds, read from horizontal neighbour differences in the h x w
    `windows` (but those inside the pile). Noise cut at a clip leaves values right above it,
    and steps from the pile to them as small as the noise; a fill lies apart, and the steps at
    its edge are few. Bright tiles beside a fill (FMD frames at a 100 ADU offset, up to 355)
    span more than twice the gap, so the span alone read their fill as a clip."""
    levels = np.unique(values)
    held = int(np.count_nonzero(values == levels[0]))
    if levels.size < 3 or held < max(2.0, CLIPPED * values.size):  # (not `clipped_ends`: a
        return False  # fill beside data whose own lowest value is commoner is still a fill)
    # (float32 rounding of the normalised values moves each step by up to an ulp: whole
    # numbers k / 3 read as steps 0.33333334 and 0.3333333, and a clip as off its grid)
    ulp = 2 * float(np.spacing(np.float32(np.abs(levels[[0, -1]]).max())))
    if levels[1] - levels[0] <= np.diff(levels[1:]).min() + ulp:
        return False  # the pile lies on the rest's grid, next to it: a clip
    if without_fill(values).size < values.size:
        return True
    low = levels[0]
    pile = values == low
    diffs = [np.diff(w, axis=-1)[(w[:, 1:] > low) | (w[:, :-1] > low)] for w in windows]
    noise = difference_std(np.concatenate(diffs))
    gap = float(np.percentile(values[~pile], 0.5)) - float(low)
    return noise > 0 and gap > FILL_NOISE * noise


def shift(mu: np.ndarray, offsets: Sequence[float]) -> np.ndarray:
    """``mu + offset`` for a C x ... array of one group."""
    mu = np.asarray(mu, np.float32)
    return mu + np.asarray(offsets, np.float32).reshape((-1,) + (1,) * (mu.ndim - 1))


@dataclass(frozen=True)
class Shift:
    """The step after the network of a 3-D model (which has no noise curve, so no `Refine`):
    its measured bias correction `offsets` [group][channel] added to the output
    (`api.volume_bias`). The same calls as `infer.refine.Refine`, doing nothing else."""

    offsets: tuple[tuple[float, ...], ...]
    detail: bool = False
    halo: int = 0

    def before(self, x: torch.Tensor, groups: Sequence[int]) -> torch.Tensor:
        return x

    def after(self, x: torch.Tensor, mu: torch.Tensor, groups: Sequence[int]) -> torch.Tensor:
        rows = torch.tensor([self.offsets[g] for g in groups], device=mu.device)
        return mu + rows.view(len(groups), -1, 1, 1)

