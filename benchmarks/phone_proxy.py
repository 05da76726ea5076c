"""A held-out proxy for smartphone photographs: camera noise through a phone's image processing.

``phone``: the ``camera`` pipeline (`proxies.camera`: RGGB mosaic, Poisson photons, read noise,
bilinear demosaicing, colour matrix, sRGB curve, 8-bit) with the three steps a phone's image
processor adds between demosaicing and storing, as they shape the noise of sRGB phone pictures
(blotches of colour a few pixels wide, grain sharpened at the middle frequencies, JPEG):

- noise reduction in linear light: the colour-difference channels (B - Y, R - Y) blurred by a
  Gaussian of `CHROMA_SIGMA` px, the luma by `LUMA_SIGMA` px;
- sharpening of the luma: an unsharp mask of `SHARPEN_SIGMA` px at `SHARPEN_AMOUNT`;
- JPEG at quality `PHONE_JPEG` with 4:2:0 chroma subsampling.

The filters are linear, so the reference is the same pipeline applied to the noise-free mosaic
(not rounded, not compressed): the score measures the noise removed, not the phone's blur. The
photon peaks (`PHONE`, linear full scale) give noise of about 23-32 dB PSNR, the range of phone
pictures in dim light. The references are five PolyU means that no other proxy uses. Nothing in
the software was tuned on this set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from proxies import CCM, Proxy, _demosaic, _load, _srgb, mosaics

PHONE = ((5, 25.0), (30, 50.0), (50, 100.0), (70, 200.0), (90, 50.0))
"""phone: the PolyU reference (index in the sorted list) and the photon peak."""
CHROMA_SIGMA, LUMA_SIGMA = 2.0, 0.6
SHARPEN_SIGMA, SHARPEN_AMOUNT = 1.0, 0.6
PHONE_JPEG = 92
LUMA = np.array([0.299, 0.587, 0.114])


def _isp(rgb: np.ndarray) -> np.ndarray:
    """Noise reduction and sharpening of a linear RGB image (h, w, 3)."""
    from scipy.ndimage import gaussian_filter

    y = rgb @ LUMA
    cb, cr = rgb[..., 2] - y, rgb[..., 0] - y
    cb, cr = (gaussian_filter(c, CHROMA_SIGMA, mode="mirror") for c in (cb, cr))
    y = gaussian_filter(y, LUMA_SIGMA, mode="mirror")
    y = y + SHARPEN_AMOUNT * (y - gaussian_filter(y, SHARPEN_SIGMA, mode="mirror"))
    r, b = cr + y, cb + y
    g = (y - LUMA[0] * r - LUMA[2] * b) / LUMA[1]
    return np.stack([r, g, b], axis=-1)


def phone(clean: np.ndarray, peak: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(noisy 8-bit JPEG-decoded float32, reference) for a clean 8-bit sRGB image (h, w, 3)."""
    import imagecodecs

    counts, raw = mosaics(clean, peak, seed)

    def encode(mosaic: np.ndarray) -> np.ndarray:
        return 255.0 * _srgb(_isp(_demosaic(mosaic) @ CCM.T))

    stored = np.clip(np.round(encode(counts)), 0, 255).astype(np.uint8)
    noisy = imagecodecs.jpeg8_decode(imagecodecs.jpeg8_encode(stored, level=PHONE_JPEG))
    return np.asarray(noisy, np.float32), encode(raw).astype(np.float32)


def phone_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    files = sorted((data / "polyu").glob("*_mean.JPG"))
    for k, (index, peak) in enumerate(PHONE):
        noisy, ref = phone(_load(files[index], crop, grey=False), peak, seed=7700 + k)
        name = files[index].name.removesuffix("_mean.JPG")
        yield f"{name}@{peak:g}", noisy, ref, {"peak": peak, "rgb": True, "jpeg": PHONE_JPEG}


PHONE_PROXIES = {"phone": phone_tasks}
