"""Detail restore: give back the part of the noisy input that the network smoothed away.

A blind-spot network never sees the pixel it predicts, so where the noise is weak next to the
detail (high signal-to-noise, fine texture, sharp edges) its prediction ``mu`` is smoother than
the truth, and on such images it can score below the noisy input. The residual ``r = x - mu``
then holds noise plus that missed detail. Per pixel, with the noise variance ``s2`` at the
pixel's intensity and the local residual energy ``E`` (mean of ``r**2`` over the 7 x 7 window
around the pixel, the pixel itself left out), the detail energy is about ``A = max(E - s2, 0)``
and the linear minimum-error combination is

    ``mu + A / (A + s2) * r  =  mu + max(0, 1 - s2 / E) * r``

(a local Wiener filter on the residual): flat regions keep the network's output, edges and
texture get the input back in proportion to how far the residual exceeds the noise. For
spatially correlated noise the 7 x 7 energy holds few independent samples and often exceeds
``s2`` by chance, so models trained at a stride above 1 require ``E > 1.5 s2`` (``threshold``;
measured on FMD wide-field and Set12 box-filtered noise, docs/method.md). A pixel whose own
residual exceeds 5 x the local std is an outlier (a hot pixel, a cosmic ray), not detail: it
keeps the network's output, which never saw it.

The noise variance curve ``s2(intensity)`` is measured when training ends, on the training
images (`infer.sample`, `infer.curve`), and stored in the model so that every image, tile and
cluster piece gets the same one: in 16 intensity bins of the network output, the median over
the bin's flattest quarter of ``E`` less the part of it that is coherent over 2 pixels or more
(missed detail, `infer.curve.lag_product`). With it the model stores a gate, ``threshold``
and ``strength`` (the output is ``mu + strength * gain * r``), chosen on held-out pixels with
an unbiased estimate of the restore's effect on the error (`infer.curve`): under strong noise,
or where the network is already close to the truth, the restore gives back mostly noise and the
gate turns it down or off. Measured gains are in docs/method.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from napari_sdap.infer.gaussian import blur_radius, colour_blur, donut, gaussian
from napari_sdap.infer.mixing import guard
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.tiling import DETAIL_HALO

__all__ = ["KERNEL", "Refine", "apply_curve", "blend_gain", "local_energy",
           "noise_std", "repair_outliers", "restore_weight", "ring_mean"]

KERNEL = 2 * DETAIL_HALO + 1
"""Window edge of the local residual energy (7; adds DETAIL_HALO pixels to the tile halo)."""
OUTLIER = 25.0
"""A residual above 5 x the local (or noise) std in a single pixel is an outlier, never detail."""
ISOLATED = 6.0
"""A pixel further than this many noise stds above the brightest (or below the darkest) of its
8 neighbours is an isolated outlier (hot or dead pixel, cosmic ray): `repair_outliers`."""
SPOT = 2.0
"""A pixel whose 8 neighbours' mean lies more than this many noise stds above (or below) the
mean of the 16 pixels around them is the peak of a structure (a bead, a punctum), not an
isolated outlier (`repair_outliers`)."""
REPAIR_HALO = 2
"""Extra context of the outlier repair: the 5 x 5 neighbourhood its ring reads."""
_TINY = 1e-12


def ring_mean(a: torch.Tensor, kernel: int = KERNEL) -> torch.Tensor:
    """Mean of `a` over the `kernel` x `kernel` window around each pixel, leaving the pixel
    itself out (N x C x H x W; windows are cut at the borders)."""
    pad, c = kernel // 2, a.shape[1]
    ring = torch.ones(1, 1, kernel, kernel, dtype=a.dtype, device=a.device)
    ring[..., pad, pad] = 0.0  # summing without the centre: no cancellation of a large value
    total = F.conv2d(a, ring.expand(c, 1, kernel, kernel), padding=pad, groups=c)
    count = F.conv2d(torch.ones_like(a[:1, :1]), ring, padding=pad)
    return total / count.clamp_min(1.0)


def local_energy(r: torch.Tensor, kernel: int = KERNEL) -> torch.Tensor:
    """Mean of ``r**2`` over the `kernel` x `kernel` window around each pixel, leaving the pixel
    itself out (N x C x H x W; windows are cut at the borders).

    Leaving it out keeps a lone outlier (a hot pixel, a cosmic ray) from vouching for itself:
    its neighbours' residuals are noise, so it is not restored, while an edge or texture,
    which spans many pixels, is.
    """
    return ring_mean(r * r, kernel)


def _interp(x: torch.Tensor, levels: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear ``values(levels)`` at `x` (N x C x H x W), constant beyond the ends."""
    n, c, h, w = x.shape
    flat = x.reshape(n, c, h * w).contiguous()
    hi = torch.searchsorted(levels.contiguous(), flat).clamp(1, levels.shape[-1] - 1)
    lo = hi - 1
    x0, x1 = levels.gather(-1, lo), levels.gather(-1, hi)
    y0, y1 = values.gather(-1, lo), values.gather(-1, hi)
    t = ((flat - x0) / (x1 - x0).clamp_min(_TINY)).clamp(0.0, 1.0)
    return (y0 + t * (y1 - y0)).reshape(n, c, h, w)


def noise_std(mu: torch.Tensor, curve: NoiseCurve, groups: Sequence[int]) -> torch.Tensor:
    """The curve's noise std at the intensities `mu` (N x C x H x W windows of `groups`),
    floored at 1 % of the channel's largest."""
    levels, variance = curve.tensors(groups, mu.device)
    floor = (variance.amax(dim=-1, keepdim=True) * 1e-4).clamp_min(_TINY)[..., None]
    return _interp(mu, levels, variance).maximum(floor).sqrt()


def blend_gain(r2: torch.Tensor, energy: torch.Tensor, s2: torch.Tensor, threshold: float
               ) -> torch.Tensor:
    """``max(0, 1 - threshold * s2 / E)``, 0 where the pixel's own ``r**2`` marks an outlier."""
    energy = energy.clamp_min(_TINY)
    gain = (1.0 - threshold * s2 / energy).clamp_min(0.0)
    lone = r2 > OUTLIER * torch.maximum(energy, s2)  # hot pixel, cosmic ray: keep mu
    return gain.masked_fill(lone, 0.0)


def apply_curve(x: torch.Tensor, mu: torch.Tensor, curve: NoiseCurve, groups: Sequence[int]
                ) -> torch.Tensor:
    """``mu + k * max(0, 1 - t * s2 / E) * (x - mu)`` for windows `x` (N x C x H x W) of
    `groups` (t, k: the curve's `threshold` and `strength`)."""
    if curve.strength == 0.0:
        return mu
    return mu + restore_weight(x, mu, curve, groups) * (x - mu)


def restore_weight(x: torch.Tensor, mu: torch.Tensor, curve: NoiseCurve, groups: Sequence[int]
                   ) -> torch.Tensor:
    """Per pixel, the share of the residual ``x - mu`` that `apply_curve` gives back (0..1):
    ``k * max(0, 1 - t * s2 / E)``, 0 for lone outliers (k: the curve's `strength`)."""
    levels, variance = curve.tensors(groups, x.device)
    r = x - mu
    s2 = _interp(mu, levels, variance)
    return curve.strength * blend_gain(r * r, local_energy(r), s2, curve.threshold)


def _neighbours(x: torch.Tensor) -> torch.Tensor:
    """The 8 neighbours of every pixel (N x C x 8 x H x W; mirrored at the edges, so that a
    pixel on the border is never its own neighbour)."""
    h, w = x.shape[-2:]
    padded = F.pad(x, (1, 1, 1, 1), mode="reflect")
    cells = [padded[:, :, dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)
             if (dy, dx) != (1, 1)]
    return torch.stack(cells, dim=2)


def repair_outliers(x: torch.Tensor, curve: NoiseCurve, groups: Sequence[int]) -> torch.Tensor:
    """Replace isolated outliers of normalised windows `x` (N x C x H x W) by the median of
    their 8 neighbours.

    A pixel is an isolated outlier when it lies more than `ISOLATED` noise stds above the
    brightest of its neighbours or below the darkest: a hot or dead pixel, a cosmic ray, a
    saturated spike. Left in, such a pixel is context for every network output within the
    receptive field, and one 4095 in an image near 100 shifts hundreds of pixels around it.
    Structures that span two or more pixels (a line one pixel wide, a spot) have a neighbour
    about as bright and are never touched. Nor is the peak of a small spot whose neighbours
    rise above the ring of pixels around them (their mean more than `SPOT` noise stds above
    the ring's mean): a bead or punctum of a spread under a pixel stands more than 6 stds
    above its brightest neighbour once it is bright enough, and its peak was cut (a spread of
    0.8 px kept 49-59 % of its height); a hot pixel's neighbours are the background's. The
    noise std is the curve's at the neighbours' median, floored at the median std of the curve
    (dark, clipped backgrounds measure almost no noise, and single photons there are not
    outliers).
    """
    levels, variance = curve.tensors(groups, x.device)
    nb = _neighbours(x)
    med = nb.median(dim=2).values
    floor = variance.median(dim=-1, keepdim=True).values[..., None]
    std = _interp(med, levels, variance).clamp_min(0.0).maximum(floor).sqrt()
    hot = x - nb.amax(dim=2) > ISOLATED * std
    dead = nb.amin(dim=2) - x > ISOLATED * std
    if x.device.type == "cpu" and not bool((hot | dead).any()):  # (a GPU would wait here)
        return x
    rise = nb.mean(dim=2) - _ring_mean(x)
    hot &= rise <= SPOT * std
    dead &= -rise <= SPOT * std
    return torch.where(hot | dead, med, x)


def _ring_mean(x: torch.Tensor) -> torch.Tensor:
    """The mean of the 16 pixels two steps from every pixel (the border of its 5 x 5 square;
    mirrored at the edges)."""
    padded = F.pad(x.flatten(0, 1)[:, None], (2, 2, 2, 2), mode="reflect")
    five = F.avg_pool2d(padded, 5, stride=1) * 25
    three = F.avg_pool2d(padded[..., 1:-1, 1:-1], 3, stride=1) * 9
    return ((five - three) / 16).view_as(x)


@dataclass(frozen=True)
class Refine:
    """What a model with a measured noise curve does around its network: the outlier repair
    of the input (always) and the detail restore of the output (when `detail`)."""

    curve: NoiseCurve
    detail: bool = True
    calibrate: bool = True
    """Add the curve's measured bias correction to the output (`infer.offset`): the teacher's
    modes; not the student, which learned the corrected output."""
    at_least: NoiseCurve | None = None
    """A second curve: the restore gives back, per pixel, the larger share of the two (the
    student's targets: the plain curve's and the teacher's own gated restore)."""
    blur: float = 0.0
    """Standard deviation (px) of a Gaussian blur of the output, last (`NoiseCurve.blur` in
    the mode it was chosen for, `SDAPModel.refine`; 0: none)."""
    colour_blur: float = 0.0
    """Standard deviation (px) of a Gaussian blur of the colour components alone of an RGB
    output, after `blur` (`NoiseCurve.colour_blur`, `gaussian.colour_blur`; 0: none)."""
    mix: float = 0.0
    """Share of the repaired input, blurred by `mix_blur` px without its centre tap
    (`gaussian.donut`), mixed into the output last (`NoiseCurve.mix` in the mode it was chosen
    for; 0: none)."""
    mix_blur: float = 0.0
    mix_guard: float = 0.0
    """Pixels whose blurred input departs from the output by more than this many noise stds get
    less of the mix (`NoiseCurve.mix_guard`, `mixing.guard`; 0: all of it)."""

    @property
    def halo(self) -> int:
        """Extra context (pixels) on top of the network's for exact tiles."""
        last = max(blur_radius(self.blur) + blur_radius(self.colour_blur),
                   blur_radius(self.mix_blur) if self.mix else 0)
        return REPAIR_HALO + (DETAIL_HALO if self.detail else 0) + last

    def before(self, x: torch.Tensor, groups: Sequence[int]) -> torch.Tensor:
        """The network's input: `x` with isolated outliers repaired."""
        return repair_outliers(x, self.curve, groups)

    def after(self, x: torch.Tensor, mu: torch.Tensor, groups: Sequence[int]) -> torch.Tensor:
        """The output: the network's `mu`, corrected for its bias (`calibrate`), with detail
        restored from the repaired `x` (`detail`), then blurred (`blur`, then `colour_blur`),
        then mixed with the blurred `x` (`mix`)."""
        offset = self.curve.offset_tensor(groups, mu.device) if self.calibrate else None
        if offset is not None:
            mu = mu + offset
        curves = [c for c in (self.curve, self.at_least) if c is not None and c.strength > 0.0]
        if self.detail and curves:
            share = restore_weight(x, mu, curves[0], groups)
            for curve in curves[1:]:
                share = torch.maximum(share, restore_weight(x, mu, curve, groups))
            mu = mu + share * (x - mu)
        mu = gaussian(mu, self.blur)
        if self.colour_blur:
            mu = colour_blur(mu, self.colour_blur)
        if self.mix:
            apart = donut(x, self.mix_blur) - mu
            share = guard(apart.abs() / noise_std(mu, self.curve, groups), self.mix_guard)
            mu = mu + self.mix * share * apart
        return mu
