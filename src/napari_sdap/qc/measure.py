"""The quality check itself: read a few windows of input, output (and reference), measure.

The restore weights come from the caller (`restore`), who can run the model's network: this
module needs numpy only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from napari_sdap.axes import PlaneView, plane_view
from napari_sdap.qc.metrics import Band, intensity_bands, psnr, ssim
from napari_sdap.qc.report import Flag, QCReport, WindowStats
from napari_sdap.qc.sample import choose_windows, outer_axes, read_window, window_axes
from napari_sdap.qc.structure import (
    EXCESS,
    EXCESS_CORRELATED,
    excess_share,
    mark_excess,
    no_data,
)
from napari_sdap.training.noise import WHITE_THRESHOLD, estimate_noise, lag_correlations

__all__ = ["BIAS", "CORRELATION_EXCESS", "EXCESS_FRACTION", "LITTLE", "NOISE_LEFT",
           "STRUCTURE_RATIO", "measure"]

STRUCTURE_RATIO = 1.5
"""A band whose residual std exceeds this many noise stds lost more than noise."""
BIAS = 0.5
"""A band whose residual mean exceeds this many noise stds is biased. Not smaller: bands are
chosen by output intensity, so any error left in the output shows as a mean residual of the
opposite sign in the lowest and highest bands (FMD raw frames against their 50-frame average
read up to 0.4 std in the brightest band)."""
CORRELATION_EXCESS = 0.1
"""Residual correlation (mean of lags 2-4) this far above the noise's: structure was removed."""
NOISE_LEFT = 0.2
"""Residual lag-1 correlation this far below that of correlated noise: part of it stayed."""
EXCESS_FRACTION = 0.01
"""Flag when more than this share of pixels lost structure."""
LITTLE = 0.1
"""A removed part below this many noise stds in every band: the output kept most of the noise."""
_CROP = 128

Restore = Callable[[np.ndarray, str], np.ndarray]
"""(window as read, its axes) -> restore weight per pixel, same shape."""


@dataclass
class _Piece:
    win: int
    key: int
    group: int
    channel: int
    x: np.ndarray
    y: np.ndarray
    ref: np.ndarray | None
    weight: np.ndarray | None
    excess: np.ndarray | None = None
    """Where the local residual energy exceeds `EXCESS` x the noise variance."""
    data: np.ndarray | None = None
    """Where the input holds a measurement (not one exact value around it: `no_data`)."""


def _pieces(noisy: Any, denoised: Any, reference: Any, view: PlaneView, channel_mode: str,
            restore: Restore | None, planes: int, window: int, seed: int
            ) -> tuple[list[_Piece], list[str]]:
    axes = window_axes(view)
    pieces, where = [], []
    for k, win in enumerate(choose_windows(view, planes, window, seed)):
        where.append(win.describe(view))
        x, y = read_window(noisy, win, view), read_window(denoised, win, view)
        ref = read_window(reference, win, view) if reference is not None else None
        weight = restore(x, axes) if restore is not None else None
        sv = plane_view(x.shape, axes, channel_mode)
        for n in range(sv.n_planes):
            g = sv.channel_group(n)
            xp, yp = sv.read(x, n), sv.read(y, n)
            rp = sv.read(ref, n) if ref is not None else None
            wp = sv.read(weight, n) if weight is not None else None
            for c in range(xp.shape[0]):
                pieces.append(_Piece(k, g * xp.shape[0] + c, g, c, xp[c], yp[c],
                                     None if rp is None else rp[c],
                                     None if wp is None else wp[c]))
    return pieces, where


def _expected_std(band: Band, group: int, channel: int, curve: Any, normalization: Any) -> float:
    lo, sc = normalization.scale(group)
    level = (band.level - lo) / sc
    var = np.interp(level, curve.levels[group][channel], curve.variance[group][channel])
    return float(np.sqrt(max(float(var), 0.0)) * sc)


def _bands(pieces: list[_Piece], curve: Any, normalization: Any) -> list[Band]:
    out: list[Band] = []
    for key in sorted({p.key for p in pieces}):
        mine = [p for p in pieces if p.key == key]
        data = np.concatenate([p.data.ravel() for p in mine])  # (not a fill, not a mask)
        data = data if data.any() else ~data
        y = np.concatenate([p.y.ravel() for p in mine])[data]
        r = np.concatenate([(p.x - p.y).ravel() for p in mine])[data]
        for band in intensity_bands(y, r, key):
            if curve is not None and normalization is not None:
                band.noise_std = _expected_std(band, mine[0].group, mine[0].channel, curve,
                                               normalization)
                band.ratio = band.residual_std / band.noise_std if band.noise_std > 0 else None
            scale = band.noise_std or band.residual_std
            if band.ratio is not None and band.ratio > STRUCTURE_RATIO:
                band.flags.append("structure")
            if scale > 0 and abs(band.residual_mean) > BIAS * scale:
                band.flags.append("bias")
            out.append(band)
    return out


def _correlations(pieces: list[_Piece]) -> tuple[list[float], list[float]]:
    cxs, cys, ws = [], [], []
    for p in pieces:
        cx, cy = lag_correlations(p.x - p.y)
        cxs.append(cx)
        cys.append(cy)
        ws.append(p.x.size)
    cx = np.average(np.array(cxs), axis=0, weights=ws)
    cy = np.average(np.array(cys), axis=0, weights=ws)
    return [round(float(v), 4) for v in cx], [round(float(v), 4) for v in cy]


def _decibels(span: float, mse: float) -> float:
    return 10.0 * float(np.log10(span * span / mse)) if mse > 0 else float("inf")


def _scale_note(pieces: list[_Piece]) -> list[str]:
    """A note when the reference's intensity range is 8x wider or narrower than the input's."""
    ref = np.concatenate([p.ref.ravel() for p in pieces if p.ref is not None])
    inp = np.concatenate([p.x.ravel() for p in pieces])
    a, b = (float(np.percentile(v, 99.5) - np.percentile(v, 0.5)) for v in (ref, inp))
    if a > 0 and b > 0 and max(a / b, b / a) > 8:
        return [f"the reference's intensities span {a:.3g}, the input's {b:.3g}: it seems to be "
                f"on another scale, so PSNR and SSIM compare unlike values (rescale it)"]
    return []


def _reference(pieces: list[_Piece]) -> tuple[dict[str, Any], dict[int, float]]:
    ranges = {}
    for key in {p.key for p in pieces}:
        refs = [p.ref for p in pieces if p.key == key and p.ref is not None]
        ranges[key] = float(max(r.max() for r in refs) - min(r.min() for r in refs)) or 1.0
    def sq(a: np.ndarray, b: np.ndarray) -> float:  # in float64: float32 squares overflow
        return float(np.sum((np.asarray(a, np.float64) - b) ** 2.0))  # beyond values of 1e19

    err_out = sum(sq(p.ref, p.y) for p in pieces if p.ref is not None)
    err_in = sum(sq(p.ref, p.x) for p in pieces if p.ref is not None)
    n = sum(p.x.size for p in pieces)
    span = float(np.mean(list(ranges.values())))
    big = [p for p in pieces if min(p.x.shape) >= 11 and p.ref is not None]
    out = {"psnr": _decibels(span, err_out / n), "psnr_input": _decibels(span, err_in / n),
           "ssim": float(np.mean([ssim(p.ref, p.y, ranges[p.key]) for p in big])) if big else None,
           "ssim_input": (float(np.mean([ssim(p.ref, p.x, ranges[p.key]) for p in big]))
                          if big else None),
           "data_range": span}
    return out, ranges


def _windows(pieces: list[_Piece], where: list[str], ranges: dict[int, float] | None
             ) -> list[WindowStats]:
    stats = []
    for k, text in enumerate(where):
        mine = [p for p in pieces if p.win == k]
        r = [p.x - p.y for p in mine]
        corr = [lag_correlations(v, 1) for v in r]
        s = WindowStats(text, int(sum(p.x.size for p in mine)),
                        float(np.mean([v.std() for v in r])),
                        float(np.mean([c[0][0] for c in corr])),
                        float(np.mean([c[1][0] for c in corr])))
        s.structure_fraction = excess_share(mine)
        if mine[0].weight is not None:
            s.restored_fraction = float(np.mean([np.mean(p.weight > 0) for p in mine]))
        if ranges is not None:
            s.psnr = float(np.mean([psnr(p.ref, p.y, ranges[p.key]) for p in mine]))
            if min(mine[0].x.shape) >= 11:
                s.ssim = float(np.mean([ssim(p.ref, p.y, ranges[p.key]) for p in mine]))
        stats.append(s)
    return stats


def _flags(report: QCReport) -> list[Flag]:
    flags = []
    ratios = [b.ratio for b in report.bands if b.ratio is not None]
    if report.windows and max(w.residual_std for w in report.windows) == 0:
        flags.append(Flag("nothing_removed", "the denoised image equals the input: nothing was "
                          "removed (was the input chosen as the denoised image too?)"))
    elif ratios and max(ratios) < LITTLE:
        flags.append(Flag("little_removed", f"the removed part is below {LITTLE:g} x the noise "
                          f"measured at training in every band: the output still holds most of "
                          f"the noise"))
    if report.structure_fraction > EXCESS_FRACTION:
        flags.append(Flag("structure_removed", f"at {100 * report.structure_fraction:.1f}% of "
                          f"pixels the removed part is over {report.excess_factor:g} x the noise "
                          f"variance "
                          f"(7 x 7 window): structure was taken out there (look at the "
                          f"residual crops)"))
    # the noise estimate reads slightly negative at lags 3-4 (referenced to lag 6): clip at 0
    excess = max(float(np.mean(res[1:]) - np.mean(np.clip(noise[1:], 0.0, None)))
                 for res, noise in ((report.residual_correlation_x, report.noise_correlation_x),
                                    (report.residual_correlation_y, report.noise_correlation_y)))
    if excess > CORRELATION_EXCESS:
        flags.append(Flag("residual_correlated", f"the removed part is correlated over several "
                          f"pixels ({excess:+.2f} above the noise at lags 2-4): it holds image "
                          f"structure, not only noise (look at the residual crops)"))
    noise1 = max(report.noise_correlation_x[0], report.noise_correlation_y[0])
    res1 = max(report.residual_correlation_x[0], report.residual_correlation_y[0])
    if noise1 >= WHITE_THRESHOLD and res1 < noise1 - NOISE_LEFT:
        flags.append(Flag("noise_left", f"the input noise is correlated (lag 1: {noise1:.2f}) "
                          f"but the removed part much less ({res1:.2f}): the output may still "
                          f"hold the correlated part of the noise (train at a larger stride)"))
    for code, text in (("structure", f"residual std above {STRUCTURE_RATIO:g} x the noise "
                                     f"measured at training: structure removed"),
                       ("bias", f"residual mean beyond {BIAS:g} noise std from zero: the output "
                                f"is biased")):
        hit = [b for b in report.bands if code in b.flags]
        if hit:
            levels = ", ".join(f"{b.level:.3g}" for b in hit)
            flags.append(Flag(f"band_{code}", f"{text} at output level(s) {levels}"))
    return flags


def measure(noisy: Any, denoised: Any, view: PlaneView, *, reference: Any = None,
            channel_mode: str = "auto", curve: Any = None, normalization: Any = None,
            restore: Restore | None = None, restore_mode: str = "", planes: int = 8,
            window: int = 512, seed: int = 0, notes: Sequence[str] = ()) -> QCReport:
    """Check `denoised` against `noisy` (same shape, plane view `view`), reading only a few
    windows; `curve` and `normalization` (a model's) give the noise expected per intensity."""
    pieces, where = _pieces(noisy, denoised, reference, view, channel_mode, restore, planes,
                            window, seed)
    noise = estimate_noise([(noisy, view)], planes=min(planes, 4), seed=seed)
    white = max(noise.correlation_x[0], noise.correlation_y[0]) < WHITE_THRESHOLD
    factor = EXCESS if white else EXCESS_CORRELATED
    for piece, excess in zip(pieces, mark_excess(pieces, curve, normalization, factor),
                             strict=True):
        piece.excess, piece.data = excess, ~no_data(piece.x)
    ranges = None
    ref_stats = None
    if reference is not None:
        ref_stats, ranges = _reference(pieces)
        notes = [*notes, *_scale_note(pieces)]
    cx, cy = _correlations(pieces)
    report = QCReport(shape=list(view.shape), axes=view.axes,
                      planes=int(np.prod([view.shape[i] for i in outer_axes(view)])),
                      windows=_windows(pieces, where, ranges), residual_correlation_x=cx,
                      residual_correlation_y=cy, noise_correlation_x=noise.correlation_x,
                      noise_correlation_y=noise.correlation_y,
                      bands=_bands(pieces, curve, normalization), reference=ref_stats,
                      structure_fraction=excess_share(pieces), excess_factor=factor,
                      notes=[*noise.notes, *notes])
    if restore is not None:
        weights = np.concatenate([p.weight.ravel() for p in pieces if p.weight is not None])
        report.restore = {"fraction": float(np.mean(weights > 0)),
                          "mean_weight": float(weights.mean()), "mode": restore_mode}
    report.flags = _flags(report)
    first = pieces[0]
    h, w = first.x.shape
    cut = (slice(max(0, (h - _CROP) // 2), (h + _CROP) // 2),
           slice(max(0, (w - _CROP) // 2), (w + _CROP) // 2))
    report.crops = {"input": first.x[cut], "output": first.y[cut],
                    "residual": (first.x - first.y)[cut],
                    "structure": first.excess[cut].astype(np.float32)}
    return report
