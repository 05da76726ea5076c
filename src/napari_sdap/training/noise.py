"""Spatial autocorrelation of the noise, measured on the image itself, and the stride it calls for.

White (pixel-independent) noise is best removed by a plain blind-spot network (stride 1, no
pixel-shuffle at test time). Noise correlated over k pixels needs random sub-sampling with a
stride that puts neighbouring network inputs at least that far apart.

The estimate uses the flattest quarter of the 16 x 16 blocks of a few planes (background, where
the signal hardly varies): a quadratic surface is fitted and removed in each block, and the
normalised autocorrelation of what is left is measured at lags 1..4 along X and Y. Two biases
are removed by referencing every lag to lag 6, where noise from small kernels is uncorrelated:
signal left in the blocks adds a slowly decaying positive correlation, and the fit removes part
of the noise, which lowers all lags about equally. Checked against the true noise (raw minus
reference) of the FMD microscopy groups and synthetic white / box-filtered noise
(docs/method.md).

The same blocks give the noise's skewness (those clear of a clip) and whether the dark
background is cut off at 0, from which the training loss is chosen (`choose_loss`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from napari_sdap.axes import PlaneView
from napari_sdap.clipping import CLIPPED, clipped_ends

__all__ = ["DARK_CLIP", "SKEWED", "UNRELIABLE", "NoiseEstimate", "check_noise_record",
           "choose_loss", "choose_stride", "describe_noise", "estimate_noise", "lag_correlations"]

_BLOCK = 16
_MAX_LAG = 4
_BASE_LAG = 6
_WINDOW, _WINDOWS = 512, 4
"""Planes larger than _WINDOWS windows of _WINDOW^2 pixels are sampled in such windows."""
CORRELATION_THRESHOLD = 0.2
"""A lag >= 2 whose noise correlation is below this counts as decorrelated."""
UNRELIABLE = ("the noise analysis is unreliable here (a correlation outside -1..1: the flattest "
              "blocks hold more detail than noise); using the safe default stride 2")
"""The note of an estimate whose correlations are impossible. On camera photographs with weak
noise (5 of the 100 PolyU images) the readings reached -2.6 and 4.0 and chose stride 1, 3, 4 or
5; stride 2 scored 0.18 dB more on average (docs/benchmarks.md, "Correlated-noise students and
impossible noise readings")."""
WHITE_THRESHOLD = 0.3
"""Lag-1 correlation below which the noise counts as white (stride 1). Higher than
`CORRELATION_THRESHOLD` because leaving the plain blind-spot costs resolution everywhere, while
a weak neighbour correlation leaks little noise (FMD confocal lines reach ~0.2 along X)."""
SKEWED = 0.1
"""Median skewness of the noise in the flattest blocks from which it counts as photon noise at
a few photons per pixel (Poisson at n photons: 1/sqrt(n), so 0.1 is about 100 photons).
Measured: FMD wide-field frames 0.15-0.23, confocal and two-photon 0.66-3.9, clipped 8-bit
low-light proxies 0.21-1.2; 96 of 100 PolyU photographs, the box-noise crops and the camera
proxies -0.34 to 0.06 (a sRGB curve skews camera noise negatively); four PolyU photographs
with dark flat areas 0.16-0.27 (docs/benchmarks.md)."""
DARK_CLIP = 0.05
"""Share of a channel's sampled pixels at its lowest value (piled up there, as for `CLIPPED`)
from which its dark background counts as cut off at 0: the clipped 8-bit low-light proxies
14-38 %, FMD wide-field frames with real noise 31-34 % once their black level is set at the
background; real frames with a few dark pixels at 0 (FMD wide-field R 1.9 %, PolyU wall_6
1.8 %) are not."""
_MIN_UNCLIPPED = 8
"""Fewer blocks than this clear of a clip in a window: the skewness is read from all its
blocks (a background clipped at 0 and only a few photons anywhere: every block reaches 0)."""


@dataclass(frozen=True)
class NoiseEstimate:
    """Measured noise correlation and the settings chosen from it."""

    correlation_x: list[float]
    """Normalised noise autocorrelation at lags 1..4 along X."""
    correlation_y: list[float]
    """The same along Y."""
    stride: int
    """Recommended RSG training stride (1 = white noise: plain blind-spot)."""
    mode: str
    """Recommended inference mode."""
    blocks: int = 0
    """Flat blocks the estimate is based on."""
    notes: list[str] = field(default_factory=list)
    skew: float | None = None
    """Median skewness of the noise in the flattest blocks clear of a clip (None: not
    measured, as in records written before it was)."""
    dark_clip: bool = False
    """A channel of the sampled windows has its dark background cut off at 0 (`DARK_CLIP` of
    its pixels or more at its lowest value), as in 8-bit low-light frames."""
    loss: Literal["l1", "l2"] = "l1"
    """Training loss: the one `choose_loss` recommends, or in a model's record the one it was
    trained with."""
    whitened: Literal["X", "Y"] | None = None
    """The axis along which the noise was whitened (`infer.whiten`): correlated along it
    alone, the model trained at stride 1 on the whitened image; None: not whitened."""

    def summary(self) -> str:
        fx = ", ".join(f"{v:.2f}" for v in self.correlation_x)
        fy = ", ".join(f"{v:.2f}" for v in self.correlation_y)
        kind = "white" if self.stride == 1 else f"correlated over ~{self.stride - 1} px"
        if self.whitened:
            kind = f"correlated along {self.whitened} only (whitened along it)"
        if self.notes:
            kind = "unmeasurable"
        notes = "".join(f"; {n}" for n in self.notes)
        skew = "" if self.skew is None else f"; skewness {self.skew:+.2f}"
        skew += "; dark background clipped" if self.dark_clip else ""
        loss = "" if self.loss == "l1" else f", loss {self.loss}"
        return (f"noise looks {kind} (autocorrelation X: {fx}; Y: {fy}; {self.blocks} flat blocks"
                f"{skew}) -> stride {self.stride}, mode {self.mode}{loss}{notes}")


def _block_residuals(plane: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The plane's 16 x 16 blocks, what is left of each after a quadratic fit, and its variance
    (None for a plane smaller than one block)."""
    h, w = plane.shape
    nb_y, nb_x = h // _BLOCK, w // _BLOCK
    if nb_y == 0 or nb_x == 0:
        return None
    b = plane[: nb_y * _BLOCK, : nb_x * _BLOCK].reshape(nb_y, _BLOCK, nb_x, _BLOCK)
    b = b.transpose(0, 2, 1, 3).reshape(-1, _BLOCK, _BLOCK).astype(np.float64)
    yy, xx = np.mgrid[0:_BLOCK, 0:_BLOCK]
    design = np.stack([np.ones(_BLOCK * _BLOCK), yy.ravel(), xx.ravel(),
                       (yy * yy).ravel(), (xx * xx).ravel(), (xx * yy).ravel()], axis=1)
    coef, *_ = np.linalg.lstsq(design, b.reshape(len(b), -1).T, rcond=None)
    resid = b - (design @ coef).T.reshape(b.shape)
    return b, resid, resid.var(axis=(1, 2))


def _block_correlations(resid: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    # flattest blocks: least signal left beyond the fit -> lowest residual variance
    keep = np.argsort(var)[: max(1, len(var) // 4)]
    keep = keep[var[keep] > 0]
    if keep.size == 0:
        return np.zeros(_MAX_LAG), np.zeros(_MAX_LAG), 0
    r, v = resid[keep], var[keep]
    lags = [*range(1, _MAX_LAG + 1), _BASE_LAG]
    cx = np.array([np.mean((r[:, :, d:] * r[:, :, :-d]).mean(axis=(1, 2)) / v) for d in lags])
    cy = np.array([np.mean((r[:, d:, :] * r[:, :-d, :]).mean(axis=(1, 2)) / v) for d in lags])
    cx = (cx[:-1] - cx[-1]) / (1.0 - cx[-1])
    cy = (cy[:-1] - cy[-1]) / (1.0 - cy[-1])
    return cx, cy, int(keep.size)


def _block_skews(plane: np.ndarray, blocks: np.ndarray, resid: np.ndarray, var: np.ndarray
                 ) -> tuple[np.ndarray, bool]:
    """The skewness of what is left in the flattest quarter of the blocks that do not touch a
    clip of the plane (all blocks where fewer than `_MIN_UNCLIPPED` do not), and whether its
    dark background is cut off (`DARK_CLIP`)."""
    lo, hi = clipped_ends(plane, CLIPPED)
    touch = np.zeros(len(blocks), bool)
    if lo:
        touch |= (blocks == plane.min()).any(axis=(1, 2))
    if hi:
        touch |= (blocks == plane.max()).any(axis=(1, 2))
    ok = np.flatnonzero(~touch & (var > 0))
    if ok.size < _MIN_UNCLIPPED:
        ok = np.flatnonzero(var > 0)
    keep = ok[np.argsort(var[ok])[: max(1, len(var) // 4)]]
    dark = lo and float(np.mean(plane == plane.min())) >= DARK_CLIP  # piled up: `lo`
    return (resid[keep] ** 3).mean(axis=(1, 2)) / var[keep] ** 1.5, dark


def lag_correlations(plane: np.ndarray, max_lag: int = _MAX_LAG
                     ) -> tuple[list[float], list[float]]:
    """Normalised autocorrelation of a whole 2-D `plane` (its mean removed) at lags
    1..`max_lag` along X and along Y; zeros for a constant plane.

    Unlike the noise estimate this keeps every pixel, flat or not: applied to the residual of
    a denoiser (input - output), structure that was taken out shows as positive correlation.
    """
    r = np.asarray(plane, np.float64)
    r = r - r.mean()
    var = float((r * r).mean())
    if var <= 0.0:
        return [0.0] * max_lag, [0.0] * max_lag
    h, w = r.shape
    cx = [float((r[:, d:] * r[:, :-d]).mean() / var) if d < w else 0.0
          for d in range(1, max_lag + 1)]
    cy = [float((r[d:, :] * r[:-d, :]).mean() / var) if d < h else 0.0
          for d in range(1, max_lag + 1)]
    return cx, cy


def choose_stride(cx: Sequence[float], cy: Sequence[float],
                  threshold: float = CORRELATION_THRESHOLD, white: float = WHITE_THRESHOLD) -> int:
    """Smallest stride s whose lag-s correlation (both axes) is decorrelated.

    Stride 1 when the lag-1 correlation is below `white`; otherwise the smallest s >= 2 whose
    lag-s correlation is below `threshold` (5 if none of lags 2..4 is).
    """
    if max(cx[0], cy[0]) < white:
        return 1
    for s in range(2, _MAX_LAG + 1):
        if max(cx[s - 1], cy[s - 1]) < threshold:
            return s
    return _MAX_LAG + 1


def choose_loss(stride: int, skew: float | None, dark_clip: bool) -> str:
    """L2 for photon noise (skewness at least `SKEWED`) on a dark background cut off at 0
    (`DARK_CLIP`), trained at a stride above 1; else L1.

    With the L1 loss the network predicts each pixel's median. Where the background is cut off
    at 0 the median of a faint pixel is 0 until its mean rises well above the noise, so faint
    structure is zeroed and the output is not an affine function of the signal; for photon
    noise at a few photons the median also lies below the mean. At stride 1 the bias
    correction measured when training ends (`infer.offset`) takes out what it can; at a stride
    above 1 it cannot be measured, and the L2 loss, which predicts the mean of what the camera
    records, avoids both. Measured (docs/benchmarks.md, "The training loss chosen from the
    noise"): on clipped low-light frames with correlated noise +0.6 to +2.0 dB, and on real
    wide-field frames clipped at their background +0.66 / +0.03 dB in the affine PSNR of
    low-light evaluations, but -1.5 / -1.7 dB in plain PSNR against the unclipped reference,
    whose darkest background lies below 0 (L2 keeps the clipped noise's mean there). Without
    such a clip it gained only 0.04-0.16 dB on FMD wide-field frames, lost 0.18 dB on their
    composite and up to 0.33 dB on photographs whose dark areas read skewed; at stride 1 on
    clipped frames it was mixed (-0.19 to +0.33 dB)."""
    return ("l2" if stride > 1 and dark_clip and skew is not None and skew >= SKEWED
            else "l1")


def _windows(array: Any, view: PlaneView, n: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """The whole plane if small, else a few random windows of it (never the whole large plane)."""
    h, w = view.height, view.width
    if h * w <= _WINDOW * _WINDOW * _WINDOWS:
        yield view.read(array, n)
        return
    for _ in range(_WINDOWS):
        y = int(rng.integers(0, max(1, h - _WINDOW + 1)))
        x = int(rng.integers(0, max(1, w - _WINDOW + 1)))
        yield view.read(array, n, slice(y, y + _WINDOW), slice(x, x + _WINDOW))


def estimate_noise(sources: Sequence[tuple[Any, PlaneView]], planes: int = 4,
                   seed: int = 0) -> NoiseEstimate:
    """Estimate the noise correlation over up to `planes` planes per source."""
    rng = np.random.default_rng(seed)
    cxs, cys, weights, skews = [], [], [], []
    dark_clip = False
    for array, view in sources:
        for n in rng.permutation(view.n_planes)[:planes]:
            for data in _windows(array, view, int(n), rng):
                for c in range(data.shape[0]):
                    parts = _block_residuals(data[c])
                    if parts is None:
                        continue
                    cx, cy, k = _block_correlations(*parts[1:])
                    found, low = _block_skews(data[c], *parts)
                    skews.append(found)
                    dark_clip = dark_clip or low
                    if k:
                        cxs.append(cx)
                        cys.append(cy)
                        weights.append(k)
    if not weights:
        return NoiseEstimate([0.0] * _MAX_LAG, [0.0] * _MAX_LAG, stride=2, mode="sdap_e",
                             notes=[f"image too small to measure noise (< {_BLOCK} px); "
                                    f"using the safe default stride 2"])
    cx = np.average(np.array(cxs), axis=0, weights=weights)
    cy = np.average(np.array(cys), axis=0, weights=weights)
    fx, fy = [round(float(v), 4) for v in cx], [round(float(v), 4) for v in cy]
    if max(abs(v) for v in (*fx, *fy)) > 1.0:
        return NoiseEstimate(fx, fy, stride=2, mode="sdap_e", blocks=int(sum(weights)),
                             notes=[UNRELIABLE])
    stride = choose_stride(cx, cy)
    found = np.concatenate(skews)
    skew = round(float(np.median(found)), 4) if found.size else None
    return NoiseEstimate(fx, fy, stride=stride, mode="bsn" if stride == 1 else "sdap_e",
                         blocks=int(sum(weights)), skew=skew, dark_clip=dark_clip,
                         loss=choose_loss(stride, skew, dark_clip))


def describe_noise(noise: dict[str, Any] | NoiseEstimate | None) -> str:
    """One line for users: what the noise looked like and what was chosen (from a model record)."""
    if noise is None:
        return "noise not analysed (stride set by hand or training continued)"
    if isinstance(noise, dict):
        noise = NoiseEstimate(**noise)
    return noise.summary()


def check_noise_record(noise: dict[str, Any]) -> dict[str, Any]:
    """A training record's `noise` (a `NoiseEstimate` as a dict), checked field by field."""
    from dataclasses import asdict, fields

    from pydantic import TypeAdapter, ValidationError

    unknown = sorted(str(k) for k in noise if k not in {f.name for f in fields(NoiseEstimate)})
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
    try:
        return asdict(TypeAdapter(NoiseEstimate).validate_python(noise))
    except ValidationError as err:
        first = err.errors()[0]
        raise ValueError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
