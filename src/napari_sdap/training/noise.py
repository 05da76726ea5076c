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

Where texture fills even the flattest quarter, the flattest sixteenth decides whether the
noise is white (`training.noise_texture`). The same blocks give the noise's skewness (those
clear of a clip) and whether the dark background is cut off at 0, from which the training loss
is chosen (`choose_loss`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from napari_sdap.axes import PlaneView, channels_hint
from napari_sdap.training.noise_estimate import (
    ONE_VALUE,
    UNRELIABLE,
    WHITE_THRESHOLD,
    NoiseEstimate,
    check_noise_record,
    describe_noise,
)
from napari_sdap.training.noise_skew import (
    DARK_CLIP,
    SKEWED,
    block_skews,
    choose_loss,
    photon_counts,
)
from napari_sdap.training.noise_small import small_image_stride
from napari_sdap.training.noise_texture import FLATTEST, flattened, reads_white, texture_read

__all__ = ["DARK_CLIP", "FLATTEST", "SKEWED", "UNRELIABLE", "NoiseEstimate", "check_noise_record",
           "choose_loss", "choose_stride", "describe_noise", "estimate_noise", "lag_correlations",
           "reads_white", "texture_read"]

_BLOCK = 16
_MAX_LAG = 4
_BASE_LAG = 6
_WINDOW, _WINDOWS = 512, 4
"""Planes larger than _WINDOWS windows of _WINDOW^2 pixels are sampled in such windows."""
CORRELATION_THRESHOLD = 0.2
"""A lag >= 2 whose noise correlation is below this counts as decorrelated."""


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


_APART = 0.1
"""A plane's lowest value lies apart from the rest (a fill, not a clip) where the rest's 0.5 %
percentile lies above it by more than this share of the rest's reach above it (99.8 %)."""


def _fills(plane: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """Which blocks are a fill, not a measurement: one value throughout, inside the plane's
    range (a mask of background-subtracted data) or at its lowest value lying apart from the
    rest (`_APART`: a mosaic's 0 below a camera's offset). Such blocks, the flattest of all,
    took the flattest quarter and left no block to read (a mosaic with a quarter of its blocks
    filled: 'image too small to measure noise', white noise assumed). Blocks of a clip next to
    the noise (a background cut at 0, a saturated area) stay, as before: the flattest blocks
    beside them read the clip's correlation (white noise under 92-98 % zeros: 0.3-0.56)."""
    flat = blocks.min(axis=(1, 2)) == blocks.max(axis=(1, 2))
    if not flat.any():
        return flat
    value = blocks[:, 0, 0]
    lo, hi = plane.min(), plane.max()
    rest = plane[plane != lo].astype(np.float64)
    apart = False
    if rest.size:
        p_lo, p_hi = np.percentile(rest, [0.5, 99.8])
        apart = p_lo - lo > _APART * (p_hi - lo)
    return flat & (value != hi) & ((value != lo) | apart)


def _block_correlations(resid: np.ndarray, var: np.ndarray, flattest: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, int]:
    """Autocorrelations at lags 1.._MAX_LAG along X and Y over the blocks `flattest` (indices
    of the least signal left beyond the fit: lowest residual variance), and their count."""
    keep = flattest[var[flattest] > 0]
    if keep.size == 0:
        return np.zeros(_MAX_LAG), np.zeros(_MAX_LAG), 0
    r, v = resid[keep], var[keep]
    lags = [*range(1, _MAX_LAG + 1), _BASE_LAG]
    cx = np.array([np.mean((r[:, :, d:] * r[:, :, :-d]).mean(axis=(1, 2)) / v) for d in lags])
    cy = np.array([np.mean((r[:, d:, :] * r[:, :-d, :]).mean(axis=(1, 2)) / v) for d in lags])
    cx = (cx[:-1] - cx[-1]) / (1.0 - cx[-1])
    cy = (cy[:-1] - cy[-1]) / (1.0 - cy[-1])
    return cx, cy, int(keep.size)


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
    flat: list[tuple[float, float, int]] = []
    dark_clip = read = False
    votes: list[bool] = []
    for array, view in sources:
        for n in rng.permutation(view.n_planes)[:planes]:
            for data in _windows(array, view, int(n), rng):
                for c in range(data.shape[0]):
                    parts = _block_residuals(data[c])
                    if parts is None:
                        continue
                    read = True
                    var = parts[2]
                    order = np.argsort(var)  # flattest first
                    order = order[~_fills(data[c], parts[0])[order]]
                    cx, cy, k = _block_correlations(*parts[1:], order[: max(1, len(var) // 4)])
                    found, low = block_skews(data[c], *parts)
                    skews.append(found)
                    dark_clip = dark_clip or low
                    if not view.joint:  # (counting detectors give grey images)
                        votes.append(photon_counts(data[c], parts[0], parts[2]))
                    if k:
                        cxs.append(cx)
                        cys.append(cy)
                        weights.append(k)
                    sixteenth = order[: len(var) // FLATTEST]  # enough blocks, more than rounding
                    if len(var) >= FLATTEST * FLATTEST and not flattened(data[c], var[sixteenth]):
                        sx, sy, j = _block_correlations(*parts[1:], sixteenth)
                        if j:
                            flat.append((sx[0], sy[0], sx[1], sy[1], j))
    if not weights:
        hint = next((h for h in (channels_hint(v.axes, v.shape) for _, v in sources) if h), "")
        # blocks were read, but the flattest quarter was one value throughout (a mosaic's 0
        # fill at the level of dim data, a clipped background): the image is not small, and
        # the note said "image too small (< 16 px)" of a 128 x 128 mosaic
        note = (f"{ONE_VALUE} (a fill, a mask or a clipped background): white noise is "
                f"assumed (stride 1); set the stride by hand if the noise is known to be "
                f"correlated" if read else f"image too small to measure noise (< {_BLOCK} "
                f"px): white noise is assumed (stride 1; a larger stride would leave "
                f"sub-images of a few pixels)")
        return NoiseEstimate([0.0] * _MAX_LAG, [0.0] * _MAX_LAG, stride=1, mode="bsn",
                             notes=[note + hint])
    cx = np.average(np.array(cxs), axis=0, weights=weights)
    cy = np.average(np.array(cys), axis=0, weights=weights)
    fx, fy = [round(float(v), 4) for v in cx], [round(float(v), 4) for v in cy]
    if max(abs(v) for v in (*fx, *fy)) > 1.0:
        return NoiseEstimate(fx, fy, stride=2, mode="sdap_e", blocks=int(sum(weights)),
                             notes=[UNRELIABLE])
    stride, notes = small_image_stride(choose_stride(cx, cy), int(sum(weights)),
                                       [view for _, view in sources])
    blocks = int(sum(weights))
    flattest = lag2 = None
    if flat:
        a = np.array(flat)
        mean = np.average(a[:, :4], axis=0, weights=a[:, 4])
        flattest, lag2 = ([round(float(v), 4) for v in mean[k:k + 2]] for k in (0, 2))
    texture = texture_read(flattest, stride, WHITE_THRESHOLD)
    stride = 1 if texture else stride
    found = np.concatenate(skews)
    skew = round(float(np.median(found)), 4) if found.size else None
    counts = (bool(votes) and sum(votes) * 2 > len(votes) and skew is not None
              and skew >= SKEWED and stride == 1)  # (few photons: skewed; counted: white)
    return NoiseEstimate(fx, fy, stride=stride, mode="bsn" if stride == 1 else "sdap_e",
                         blocks=blocks, skew=skew, dark_clip=dark_clip, counts=counts,
                         loss=choose_loss(stride, skew, dark_clip, counts), flattest=flattest,
                         flattest_lag2=lag2, texture=texture, notes=notes)
