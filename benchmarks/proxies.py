"""Proxies with a clean reference for two kinds of data the real benchmark sets do not cover.

- ``clip8``: 8-bit low-photon frames. A clean image is rescaled to a photon count (its first
  quartile to 0 photons, its 99.9th percentile to the peak of 6-16 photons), Poisson photon
  noise and a Gaussian read noise of 0.5 photons are added, and the result is stored as 8-bit
  at a gain of 3 grey levels per photon with an offset of 0.5 grey levels: rounded and clipped
  to 0..255, so that 14-38 % of the pixels are 0. The reference is the same scaling of the
  clean image, not rounded or clipped.
- ``strong``: strong unclipped Poisson-Gaussian noise on clean microscopy: Poisson at a peak of
  5-10 photons plus Gaussian read noise of std 2 grey levels, on the 0-255 scale.

Clean images: FMD ground-truth frames (averages of 50 raw frames) and one Set12 photograph.
Each image has its own seed, so a set is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

GAIN, OFFSET, READ = 3.0, 0.5, 0.5
"""clip8: grey levels per photon, offset in grey levels, read noise std in photons."""
BACKGROUND = 25.0
"""clip8: the clean image's percentile that becomes 0 photons (the dark background)."""
CLIP8 = (("fmd/gt/WideField_BPAE_B_1.png", 8.0), ("fmd/gt/WideField_BPAE_G_1.png", 16.0),
         ("fmd/gt/WideField_BPAE_R_1.png", 6.0), ("fmd/gt/Confocal_MICE_1.png", 10.0),
         ("set12/01.png", 12.0))
STRONG = (("fmd/gt/Confocal_BPAE_B_1.png", 5.0), ("fmd/gt/Confocal_MICE_1.png", 10.0),
          ("fmd/gt/TwoPhoton_MICE_1.png", 5.0), ("fmd/gt/WideField_BPAE_G_1.png", 10.0))
STRONG_READ = 2.0

Proxy = tuple[str, np.ndarray, np.ndarray, dict]


def _load(data: Path, rel: str, crop: int | None) -> np.ndarray:
    from skimage.io import imread

    a = imread(data / rel).astype(np.float32)
    if a.ndim == 3:
        a = a[..., 0]
    if crop:
        h, w = a.shape
        y, x = max(0, (h - crop) // 2), max(0, (w - crop) // 2)
        a = a[y : y + crop, x : x + crop]
    return a


def clip8(clean: np.ndarray, peak: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(noisy uint8-valued float32, reference) for a clean image on any scale."""
    rng = np.random.default_rng(seed)
    lo, hi = np.percentile(clean, [BACKGROUND, 99.9])
    photons = np.clip((clean - lo) / max(hi - lo, 1e-6), 0.0, None) * peak
    counts = rng.poisson(photons) + rng.normal(0.0, READ, clean.shape)
    noisy = np.clip(np.round(GAIN * counts + OFFSET), 0, 255).astype(np.float32)
    return noisy, (GAIN * photons + OFFSET).astype(np.float32)


def strong(clean: np.ndarray, peak: float, seed: int) -> np.ndarray:
    """Poisson at `peak` photons for 255 plus Gaussian read noise (0-255 scale, not clipped)."""
    rng = np.random.default_rng(seed)
    return (rng.poisson(clean / 255.0 * peak) / peak * 255.0
            + rng.normal(0.0, STRONG_READ, clean.shape)).astype(np.float32)


def _name(rel: str, peak: float) -> str:
    return f"{Path(rel).stem}@{peak:g}"


def clip8_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    for k, (rel, peak) in enumerate(CLIP8):
        noisy, ref = clip8(_load(data, rel, crop), peak, seed=5000 + k)
        yield _name(rel, peak), noisy, ref, {"zeros": round(float(np.mean(noisy == 0)), 3)}


def strong_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    for k, (rel, peak) in enumerate(STRONG):
        clean = _load(data, rel, crop)
        yield _name(rel, peak), strong(clean, peak, seed=6000 + k), clean, {"peak": peak}


PROXIES: dict[str, Callable[[Path, int | None], Iterator[Proxy]]] = {
    "clip8": clip8_tasks, "strong": strong_tasks}
