"""The noise's skewness and whether its dark background is cut off, read from the flattest
blocks of the noise estimate (`training.noise`), and the training loss chosen from them."""

from __future__ import annotations

import numpy as np

from napari_sdap.clipping import CLIPPED, clipped_ends

__all__ = ["DARK_CLIP", "SKEWED", "block_skews", "choose_loss", "photon_counts"]

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


def block_skews(plane: np.ndarray, blocks: np.ndarray, resid: np.ndarray, var: np.ndarray
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


_COUNTS = (0.75, 1.35)
"""Range of the variance over the mean, in the flattest blocks, of integer data that counts
as photon counts (Poisson at a gain of 1: the variance equals the mean)."""


def photon_counts(plane: np.ndarray, blocks: np.ndarray, var: np.ndarray) -> bool:
    """Whether `plane` holds raw photon counts: whole numbers from 0 whose flattest quarter of
    blocks has a variance about its mean (`_COUNTS`). Their zeros are photons not counted, not
    a background cut off, and a camera's gain or read noise moves the ratio out of range."""
    if plane.size == 0 or plane.min() != 0 or not np.array_equal(plane, np.round(plane)):
        return False
    keep = np.argsort(var)[: max(1, len(var) // 4)]
    means = blocks[keep].mean(axis=(1, 2))
    ok = means > 0.05
    if ok.sum() < 2:
        return False
    ratio = float(np.median(var[keep][ok] / means[ok]))
    return _COUNTS[0] <= ratio <= _COUNTS[1]


def choose_loss(stride: int, skew: float | None, dark_clip: bool, counts: bool = False) -> str:
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
    clipped frames it was mixed (-0.19 to +0.33 dB). Raw photon counts with many zeros
    (`photon_counts`, a photon-counting detector) train with L2 at any stride: their zeros
    turned the bias correction off and L1 left the background 27 % dark (FMD Confocal_BPAE_B
    at 30 photons, pure Poisson counts: L1 34.99 dB, L2 37.03, docs/benchmarks.md)."""
    return ("l2" if (stride > 1 and dark_clip and skew is not None and skew >= SKEWED)
            or (counts and dark_clip) else "l1")
