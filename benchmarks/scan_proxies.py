"""Proxies for noise that scanning microscopes and sCMOS cameras make, with a clean reference.

- ``linescan``: a point-scanning microscope (confocal, two-photon) whose detector signal is
  low-pass filtered in time, as an amplifier's or integrator's bandwidth does: photon noise at
  a peak of `LINESCAN` photons, and a PMT's multiplication noise (Gamma-distributed gain per
  photon, excess noise factor `PMT_EXCESS`), read out through a causal exponential filter along
  the fast axis (X) with a decay of `LINESCAN_DECAY` per pixel. The noise is correlated along X
  only, one-sided (0.6 at a lag of one pixel, 0.36 at two, 0.22 at three) and not at all along
  Y. The reference is the same filter on the expected photons; both on the 0-255 scale of the
  peak, rounded and clipped to 8 bits (the noisy frame) or not (the reference).
- ``scmos``: a 16-bit sCMOS frame of dim fluorescence: Poisson photo-electrons at a peak of
  `SCMOS` electrons over a background of `SCMOS_BACKGROUND`, a read noise that differs per pixel
  (log-normal around `SCMOS_READ` electrons, with `SCMOS_HOT` of the pixels 4-12x noisier, as
  random telegraph pixels are), a per-frame offset per row (std `SCMOS_ROW` electrons, as a
  rolling shutter's row readout makes it), at `SCMOS_GAIN` ADU per electron over an offset of
  `SCMOS_OFFSET` ADU, rounded. The reference is offset plus gain times the expected electrons;
  scores map both to the 8-bit scale with the offset at 0 and the reference's maximum at 255.
- ``weak``: well-exposed 16-bit camera frames (weak noise next to fine detail): Poisson
  photo-electrons at a peak of `WEAK` electrons (200-1600) with a Gaussian read noise of
  `SCMOS_READ` electrons, at the ``scmos`` gain and offset; scored on the same 8-bit mapping.
  At these counts the FMD references are no clean image: their finest scale (grain of the 50
  averaged frames, fine detail) holds 0.14-0.73 of the noise's variance, which a denoiser
  removes and the score counts against it. Kept for the noise analysis, not as a fair score.

Clean images: FMD ground-truth frames (averages of 50 raw frames), each with its own seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from proxies import BACKGROUND, Proxy, _load, _name

LINESCAN = (("fmd/gt/Confocal_BPAE_B_1.png", 20.0), ("fmd/gt/TwoPhoton_MICE_1.png", 30.0),
            ("fmd/gt/Confocal_FISH_1.png", 15.0), ("fmd/gt/TwoPhoton_BPAE_G_1.png", 40.0))
"""linescan: the clean image and the photon peak."""
LINESCAN_DECAY, PMT_EXCESS = 0.6, 1.3
SCMOS = (("fmd/gt/WideField_BPAE_G_1.png", 60.0), ("fmd/gt/Confocal_MICE_1.png", 40.0),
         ("fmd/gt/TwoPhoton_BPAE_R_1.png", 100.0), ("fmd/gt/Confocal_BPAE_R_1.png", 30.0))
"""scmos: the clean image and the peak in photo-electrons."""
SCMOS_BACKGROUND, SCMOS_READ, SCMOS_HOT, SCMOS_ROW = 2.0, 1.6, 0.01, 0.5
SCMOS_GAIN, SCMOS_OFFSET = 2.0, 100.0
WEAK = (("fmd/gt/Confocal_BPAE_G_1.png", 200.0), ("fmd/gt/TwoPhoton_MICE_2.png", 400.0),
        ("fmd/gt/Confocal_FISH_2.png", 800.0), ("fmd/gt/WideField_BPAE_B_2.png", 1600.0))
"""weak: the clean image and the peak in photo-electrons."""


def _photons(clean: np.ndarray, peak: float) -> np.ndarray:
    lo, hi = np.percentile(clean, [BACKGROUND, 99.9])
    return np.clip((clean - lo) / max(hi - lo, 1e-6), 0.0, None) * peak


def linescan(clean: np.ndarray, peak: float, seed: int, decay: float = LINESCAN_DECAY
             ) -> tuple[np.ndarray, np.ndarray]:
    """(noisy 8-bit-valued float32, reference) for a clean image on any scale; `decay`: the
    filter's decay per pixel."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    photons = _photons(clean, peak) + 0.05  # a faint background, as dark counts give
    n = rng.poisson(photons)
    shape = 1.0 / (PMT_EXCESS - 1.0)  # Gamma gain of mean 1 and variance excess - 1 per photon
    signal = np.where(n > 0, rng.gamma(np.maximum(n, 1) * shape, 1.0 / shape), 0.0)
    taps = ([1.0 - decay], [1.0, -decay])
    noisy = lfilter(*taps, signal, axis=1)
    ref = lfilter(*taps, photons, axis=1)
    scale = 255.0 / peak
    return (np.clip(np.round(noisy * scale), 0, 255).astype(np.float32),
            (ref * scale).astype(np.float32))


def scmos(clean: np.ndarray, peak: float, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """(noisy 16-bit-valued float32, reference, meta with the 8-bit mapping)."""
    rng = np.random.default_rng(seed)
    electrons = _photons(clean, peak) + SCMOS_BACKGROUND
    read = SCMOS_READ * np.exp(rng.normal(0.0, 0.25, clean.shape))
    hot = rng.random(clean.shape) < SCMOS_HOT
    read[hot] *= rng.uniform(4.0, 12.0, int(hot.sum()))
    rows = rng.normal(0.0, SCMOS_ROW, (clean.shape[0], 1))
    counts = rng.poisson(electrons) + rng.normal(0.0, 1.0, clean.shape) * read + rows
    noisy = np.clip(np.round(SCMOS_GAIN * counts + SCMOS_OFFSET), 0, 65535).astype(np.float32)
    ref = (SCMOS_GAIN * electrons + SCMOS_OFFSET).astype(np.float32)
    scale = 255.0 / (SCMOS_GAIN * float(electrons.max()))
    return noisy, ref, {"peak": peak, "to8": [SCMOS_OFFSET, scale]}


def weak(clean: np.ndarray, peak: float, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """(noisy 16-bit-valued float32, reference, meta with the 8-bit mapping)."""
    rng = np.random.default_rng(seed)
    electrons = _photons(clean, peak) + SCMOS_BACKGROUND
    counts = rng.poisson(electrons) + rng.normal(0.0, SCMOS_READ, clean.shape)
    noisy = np.clip(np.round(SCMOS_GAIN * counts + SCMOS_OFFSET), 0, 65535).astype(np.float32)
    ref = (SCMOS_GAIN * electrons + SCMOS_OFFSET).astype(np.float32)
    scale = 255.0 / (SCMOS_GAIN * float(electrons.max()))
    return noisy, ref, {"peak": peak, "to8": [SCMOS_OFFSET, scale]}


def linescan_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    for k, (rel, peak) in enumerate(LINESCAN):
        noisy, ref = linescan(_load(data / rel, crop), peak, seed=11000 + k)
        yield _name(rel, peak), noisy, ref, {"peak": peak}


def scmos_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    for k, (rel, peak) in enumerate(SCMOS):
        noisy, ref, meta = scmos(_load(data / rel, crop), peak, seed=12000 + k)
        yield _name(rel, peak), noisy, ref, meta


def weak_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    for k, (rel, peak) in enumerate(WEAK):
        noisy, ref, meta = weak(_load(data / rel, crop), peak, seed=13000 + k)
        yield _name(rel, peak), noisy, ref, meta


SCAN_PROXIES = {"linescan": linescan_tasks, "scmos": scmos_tasks, "weak": weak_tasks}
