"""The detail restore's noise curve and its per-model gate, from the noisy data alone.

The sampled pixels (network input ``x``, output ``mu``, residual ``r = x - mu``) are split in a
checkerboard: one half measures the curves, the other half, held out, chooses how much the
model gives back (`threshold` and `strength` of `NoiseCurve`).

Curve of the blend: the output is split into 16 intensity bins (merged where they lie closer
than half a noise std) and, in each, the noise variance ``s2`` is the median, over the flattest
quarter of the bin (least local variation of the output), of the local residual energy ``E``
(7 x 7, the pixel itself left out) less the local lagged product ``D`` (7 x 7 mean of ``r_i
r_j`` for the two pixels ``j`` at `lag` pixels along X, or along Y, whichever is larger;
`infer.lags`). Noise decorrelated at that lag adds next to nothing to ``D``; detail the network
missed does, as it spans many pixels. A bin far above both darker and brighter bins is capped
(`infer.lags.despike`: intensities that only edges reach). The plain median of ``E`` counted
missed detail as noise wherever a bin held mostly texture: on camera photographs with weak,
JPEG-compressed noise it read 2-13x the true noise, the restore gave back almost nothing and
the output fell up to 7 dB below the noisy input (docs/benchmarks.md, "Detail restore: a
noise curve that missed detail cannot inflate"). Where the noise is decorrelated at the
training stride, a bin that is texture throughout is also capped from its lowest local
readings (`cap`, `infer.texture`).

Gate: how much of the residual the restore gives back, chosen on held-out pixels, is
`infer.gate`; its variance curve (`_flat_curve`) is read here with the model's curve, and
scaled at each held-out pixel where the noise around it departs from that curve
(`infer.noise_field`: noise that varies across the image).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from napari_sdap.infer.gate import TINY as _TINY
from napari_sdap.infer.gate import Pixels, choose_gate, noise_at
from napari_sdap.infer.lags import LAG, axis_products, despike, lag_product
from napari_sdap.infer.noise_field import FIELD, local_scale
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.refine import local_energy, ring_mean
from napari_sdap.infer.texture import high_pass_energy, texture_cap, white_cap

__all__ = ["Known", "Rescale", "estimate_curve", "own_energy", "roughness"]

_BINS = 16
_MIN_PIXELS = 64
_RESOLVE = 0.5
"""Bins closer than this many noise stds in intensity are merged."""
_FLAT = 0.25
"""Share of each bin, those with the least local variation of the output, taken as flat by the
gate's curve (half read 45 % high on FMD confocal, where structure fills the bright bins)."""
_GATE_RESOLVE = 1.0
"""The gate's curve is read at the noisy input, so it must be straight over the noise's spread:
its bins closer than one noise std are merged."""
_ROUGH = 5
"""Window edge of the output's local variation that marks flat pixels."""

Known = Callable[[int, np.ndarray], np.ndarray]
"""(channel group, intensities) -> noise variance, on the network's scale."""
Rescale = Callable[[int, list[tuple[np.ndarray, np.ndarray]]], list[float]]
"""(channel group, the gate's curve per channel) -> the factor each curve is scaled by."""


def _bins(mu: np.ndarray) -> list[np.ndarray]:
    """Masks of up to 16 intensity bins (quantiles of `mu`) that hold enough pixels."""
    edges = np.quantile(mu, np.linspace(0.0, 1.0, _BINS + 1))
    index = np.clip(np.searchsorted(edges, mu, side="right") - 1, 0, _BINS - 1)
    masks = [index == b for b in range(_BINS)]
    return [m for m in masks if np.count_nonzero(m) >= _MIN_PIXELS]


def _channel_curve(mu: np.ndarray, noise: np.ndarray, rough: np.ndarray, cap: bool = False,
                   hp: np.ndarray | None = None
                   ) -> tuple[list[float], list[float], list[float] | None]:
    """Bin medians of the output, and of the residual's noise energy ``max(E - D, 0)`` over
    each bin's flattest quarter (the curve the blend reads); with `cap`, at most the bins'
    `texture_cap`, and with `hp` (`texture.high_pass_energy` of the input) at most their
    `white_cap`; the limits are returned too (for the gate's curve over the same bins)."""
    masks = _bins(mu) or [np.ones(mu.shape, bool)]  # too few pixels for bins: one level
    levels = [float(np.median(mu[m])) for m in masks]
    variance = []
    for m in masks:
        flat = m & (rough <= _flattest(rough[m], _FLAT))
        variance.append(max(float(np.median(noise[flat if flat.any() else m])), _TINY))
    limits = texture_cap(noise, masks, variance) if cap else None
    if hp is not None:  # white noise: at most what the input's highest frequencies read
        white = white_cap(hp, masks, variance)
        limits = white if limits is None else list(np.minimum(limits, white))
    if limits is not None:
        variance = [min(v, top) for v, top in zip(variance, limits, strict=True)]
    lv, var = _merge_unresolved(levels, despike(levels, variance))
    return lv, var, limits


def _flattest(rough: np.ndarray, q: float) -> float:
    """The `q` quantile of `rough`, whose window borders `_inner` set to infinity: where it
    falls between two of them numpy computes inf - inf (nan: no pixel is flattest, and the
    caller takes the whole bin) and warns; the warning is left out, the value is not."""
    with np.errstate(invalid="ignore"):
        return float(np.quantile(rough, q))


def _field(shapes: list[tuple[int, int, np.ndarray]], fit: dict[str, list[np.ndarray]],
           test: dict[str, list[np.ndarray]], gate: list[tuple[np.ndarray, np.ndarray]],
           own: str, lag: int) -> np.ndarray:
    """The held-out pixels' `noise_field.local_scale` (C x n), window by window: the local
    noise reading (field `own`, as the gate's curve read it) over the gate's curve at the same
    intensities."""
    out = []
    for (h, w, even), *parts in zip(shapes, *(zip(fit[k], test[k], strict=True)
                                             for k in ("x", "mu", own, "rough")), strict=True):
        whole = []
        for a, b in parts:  # the window's pixels back in place
            v = np.empty((a.shape[0], h * w), a.dtype)
            v[:, even], v[:, ~even] = a, b
            whole.append(v.reshape(-1, h, w))
        x, mu, read, rough = whole
        expected = np.stack([noise_at(x[c], *gate[c]) for c in range(x.shape[0])])
        scale = local_scale(read, expected, rough, x - mu, lag)
        out.append(scale.reshape(scale.shape[0], -1)[:, ~even])
    return np.concatenate(out, axis=1)


def _plain_curve(mu: np.ndarray, energy: np.ndarray) -> tuple[list[float], list[float]]:
    """Bin medians of the output and of ``E`` over all of each bin (`estimate_curve`'s
    `plain`)."""
    masks = _bins(mu) or [np.ones(mu.shape, bool)]
    levels = [float(np.median(mu[m])) for m in masks]
    variance = [max(float(np.median(energy[m])), _TINY) for m in masks]
    return _merge_unresolved(levels, variance)


def _flat_curve(mu: np.ndarray, r2: np.ndarray, rough: np.ndarray, capped: bool = True,
                limits: list[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Noise variance against intensity for the gate: in each bin, the mean of `r2` (each
    pixel's own ``r**2`` less the local mean of the products of pixels `lag` apart,
    `axis_products`) over the flat quarter of its pixels, those whose output varies least around
    them (`rough`): there the output is the intensity and the residual is noise. The products
    take off what missed detail adds (it spans many pixels) and next to nothing of the noise.
    `limits`: the model curve's `texture_cap` of the same bins, each bin's highest variance."""
    masks = _bins(mu)
    if len(masks) < 2:
        return np.array([0.0, 1.0]), np.full(2, max(float(np.mean(r2)), _TINY))
    flat = [m & (rough <= _flattest(rough[m], _FLAT)) for m in masks]
    levels = np.array([float(np.mean(mu[m])) for m in flat])
    variance = np.array([max(float(np.mean(r2[m])), _TINY) for m in flat])
    if limits is not None:
        variance = np.minimum(variance, limits)
    order = np.argsort(levels, kind="stable")
    lv = [float(v) for v in levels[order]]
    var = [float(v) for v in variance[order]]
    merged = _merge_unresolved(lv, despike(lv, var, reach=1) if capped else var,
                               _GATE_RESOLVE)  # the gate's variance is lowered only by spikes
    return np.array(merged[0]), np.array(merged[1])


def _merge_unresolved(levels: list[float], variance: list[float], resolve: float = _RESOLVE
                      ) -> tuple[list[float], list[float]]:
    """Merge neighbouring bins closer in intensity than half the noise std: the network's
    output cannot tell such intensities apart, and a steep curve between them would turn
    float rounding of ``mu`` into visible differences (tiles vs whole planes)."""
    out_l: list[list[float]] = []
    out_v: list[list[float]] = []
    for lv, var in zip(levels, variance, strict=True):
        if out_l and lv - out_l[-1][0] < resolve * np.sqrt(min(min(out_v[-1]), var)):
            out_l[-1].append(lv)
            out_v[-1].append(var)
        else:
            out_l.append([lv])
            out_v.append([var])
    return [float(np.mean(g)) for g in out_l], [float(np.mean(g)) for g in out_v]


def _inner(rough: torch.Tensor) -> torch.Tensor:
    """`rough` with the window's border pixels (within half the roughness window) set to
    infinity, so that they never count as the flattest: the padding of `roughness` copies the
    edge there, which makes any edge pixel look flat."""
    pad = _ROUGH // 2
    if min(rough.shape[-2:]) <= 4 * _ROUGH:
        return rough
    out = torch.full_like(rough, float("inf"))
    out[..., pad:-pad, pad:-pad] = rough[..., pad:-pad, pad:-pad]
    return out


def roughness(mu: torch.Tensor) -> torch.Tensor:
    """Local variance of the output (C x h x w) over `_ROUGH` x `_ROUGH` windows."""
    pad = _ROUGH // 2
    m = mu[:, None]
    box = torch.full((1, 1, _ROUGH, _ROUGH), 1.0 / _ROUGH**2, device=mu.device, dtype=mu.dtype)
    mean = F.conv2d(F.pad(m, (pad,) * 4, mode="replicate"), box)
    sq = F.conv2d(F.pad(m * m, (pad,) * 4, mode="replicate"), box)
    return (sq - mean * mean)[:, 0]


def own_energy(r: torch.Tensor, lag: int) -> torch.Tensor:
    """Each pixel's own ``r**2`` less the 7 x 7 mean of the residual's lagged products along
    both axes (that mean floored at 0): the noise read at the pixel (C x h x w)."""
    return r * r - ring_mean(sum(axis_products(r[None], lag)) / 2.0)[0].clamp_min(0.0)


_FIELDS = ("x", "mu", "r2", "energy", "rough", "clear", "inner", "own")
"""Per-pixel quantities of `_pixels`, in this order (and "hp" where asked for)."""


def _pixels(x: np.ndarray, mu: np.ndarray, lag: int, white: bool = False
            ) -> dict[str, np.ndarray]:
    """The per-pixel quantities of one C x h x w window (each C x h*w): input, output, own
    ``r**2``, local energy ``E``, the output's roughness (and with the window's border left
    out: `inner`), the noise energy ``max(E - D, 0)`` (`clear`) and the own ``r**2`` less the
    7 x 7 mean of the lagged products of both axes, at least 0 (`own`); with `white`, the
    input's `texture.high_pass_energy` (`hp`)."""
    xt = torch.from_numpy(np.asarray(x, np.float32))
    mt = torch.from_numpy(np.asarray(mu, np.float32))
    r = xt - mt
    energy = local_energy(r[None])[0]
    rough = roughness(mt)
    values = {"x": xt, "mu": mt, "r2": r * r, "energy": energy, "rough": rough,
              "clear": (energy - lag_product(r[None], lag)[0]).clamp_min(0.0),
              "inner": _inner(rough),
              "own": own_energy(r, lag)}
    if white:
        values["hp"] = high_pass_energy(xt)
    c = mt.shape[0]
    return {k: v.reshape(c, -1).numpy() for k, v in values.items()}


def estimate_curve(samples: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]],
                   threshold: float = 1.0, lag: int = LAG, plain: bool = False,
                   known: Known | None = None, cap: bool = False,
                   rescale: Rescale | None = None, white: bool = False) -> NoiseCurve:
    """Noise curve and gate from (input, network output) pairs of C x h x w windows, listed per
    group. Each group needs at least one pair; the local energy is computed on each whole
    window. `threshold` is the base threshold (the lowest the gate may choose); `lag` the lag
    at which the noise counts as decorrelated (`lag_product`).

    `plain`: the curve the student's targets restore with, at full strength: each bin's median
    of ``E`` over all its pixels, and the threshold its gate chooses with the mean own ``r**2``
    of the flattest quarter as the variance (the curve and gate of earlier versions). It reads
    missed detail as noise and so gives back less; a student fitted to targets restored with
    the curve above copied the noise they gave back (strong Poisson noise: 1.8 dB below its
    teacher, and the student check did not see it; docs/benchmarks.md).

    `known`: (group, intensities) -> the noise variance the user gave (`infer.known`), taken
    at the curve's intensities for both the curve and the gate in place of what the residual
    reads; the gate still chooses threshold and strength on the held-out pixels.

    `cap`: both curves' bins read at most `infer.texture.texture_cap` of their local noise
    readings (noise decorrelated at the stride; not with `plain`). `white`: and at most their
    `infer.texture.white_cap` (white noise, models trained at stride 1; not with `plain`).

    `rescale`: scales the gate's curve of each channel up where the noise reads low there
    (`infer.noise_reach.gate_scale`: noise correlated at the stride; not with `plain` or
    `known`)."""
    levels: list[list[list[float]]] = []
    variance: list[list[list[float]]] = []
    held_out: list[list[Pixels]] = []
    noise: list[list[tuple[np.ndarray, np.ndarray]]] = []
    white = white and not plain
    fields = (*_FIELDS, "hp") if white else _FIELDS
    for g, pairs in enumerate(samples):
        fit: dict[str, list[np.ndarray]] = {k: [] for k in fields}
        test: dict[str, list[np.ndarray]] = {k: [] for k in fields}
        shapes = []
        for x, mu in pairs:
            h, w = np.shape(mu)[-2:]
            even = ((np.arange(h)[:, None] + np.arange(w)[None, :]) % 2 == 0).ravel()
            shapes.append((h, w, even))
            for k, v in _pixels(x, mu, lag, white).items():
                fit[k].append(v[:, even])
                test[k].append(v[:, ~even])
        f = {k: np.concatenate(v, axis=1) for k, v in fit.items()}
        t = {k: np.concatenate(v, axis=1) for k, v in test.items()}
        channels = range(f["x"].shape[0])
        read = [(*_plain_curve(f["mu"][ch], f["energy"][ch]), None) if plain else
                _channel_curve(f["mu"][ch], f["clear"][ch], f["inner"][ch], cap,
                               f["hp"][ch] if white else None)
                for ch in channels]
        curves = [(lv, var) for lv, var, _ in read]
        own = "r2" if plain else "own"
        gate = [_flat_curve(f["mu"][ch], f[own][ch], f["rough"][ch], not plain, read[ch][2])
                for ch in channels]
        read_gate = gate  # the field compares the noise read with this reading, unscaled
        if rescale is not None and known is None and not plain:
            gate = [(lv, var * f) for (lv, var), f in zip(gate, rescale(g, gate), strict=True)]
        if known is not None:  # the user's noise at the same intensities
            curves = [(lv, [max(float(v), _TINY) for v in known(g, np.asarray(lv))])
                      for lv, _ in curves]
            gate = [(lv, np.maximum(known(g, lv), _TINY)) for lv, _ in gate]
        levels.append([lv for lv, _ in curves])
        variance.append([v for _, v in curves])
        noise.append(gate)
        scale = (_field(shapes, fit, test, read_gate, own, lag) if known is None and FIELD else
                 np.ones_like(t["x"]))
        held_out.append([(t["x"][ch], t["mu"][ch], t["r2"][ch], t["energy"][ch], scale[ch])
                         for ch in channels])
    curve = NoiseCurve(levels=levels, variance=variance, threshold=threshold)
    chosen, strength, _ = choose_gate(held_out, curve, noise, threshold)
    return curve.model_copy(update={"threshold": chosen, "strength": 1.0 if plain else strength})
