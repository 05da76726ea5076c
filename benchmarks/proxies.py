"""Proxies with a clean reference for kinds of data the real benchmark sets do not cover.

- ``clip8``: 8-bit low-photon frames. A clean image is rescaled to a photon count (its first
  quartile to 0 photons, its 99.9th percentile to the peak of 6-16 photons), Poisson photon
  noise and a Gaussian read noise of 0.5 photons are added, and the result is stored as 8-bit
  at a gain of 3 grey levels per photon with an offset of 0.5 grey levels: rounded and clipped
  to 0..255, so that 14-38 % of the pixels are 0. The reference is the same scaling of the
  clean image, not rounded or clipped.
- ``clipcorr``: the ``clip8`` frames with the noise (photon and read noise) correlated between
  neighbouring pixels as in FMD's wide-field frames, before rounding and clipping: filtered by
  a separable 3-tap kernel (`CORR_TAPS`, unit energy) that gives a correlation of 0.52 at a
  lag of 1 pixel and 0.08 at 2, along each axis.
- ``strong``: strong unclipped Poisson-Gaussian noise on clean microscopy: Poisson at a peak of
  5-10 photons plus Gaussian read noise of std 2 grey levels, on the 0-255 scale.
- ``camera``: sRGB camera noise as a phone camera makes it. A clean RGB photograph (a PolyU
  reference, 8-bit sRGB) is taken back to linear light and through the inverse of a colour
  matrix, sampled on an RGGB Bayer mosaic, given Poisson noise at a peak of 100-400 photons
  (linear full scale) and a read noise of 0.002, demosaiced bilinearly, colour-matrixed,
  gamma-encoded and stored as 8-bit: noise of 22-28 dB PSNR, correlated 0.55 between
  neighbours (0.14 two pixels apart), stronger in the dark, clipped at black. The reference is
  the same pipeline without the noise (not rounded).
- ``camjpeg``: the ``camera`` frames saved as a phone does, as JPEG at quality `JPEG_QUALITY`
  (4:2:0 chroma subsampling): the compression flattens part of the noise in smooth blocks and
  adds its own block artefacts; the reference is the ``camera`` one (no noise, no JPEG).
- ``dslr``: the ``camera`` pipeline at the photon counts of a large sensor at ISO 1600-6400
  (a peak of 1000-2500 photons: noise of 31-36 dB PSNR, between the phone proxies' 22-28 and
  PolyU's 36), on five other PolyU references; not compressed.
- ``microbox``: spatially correlated Gaussian noise on clean microscopy: the box-filtered
  noise of the Set12 / BSD68 tasks (2 x 2 at std 15 and 20, 3 x 3 at std 15; 0-255 scale,
  not clipped).
- ``emccd``: 16-bit EMCCD frames of dim fluorescence. A clean image is rescaled to a photon
  count (its first quartile to `EMCCD_BACKGROUND` photons, its 99.9th percentile to a peak of
  15-60 photons); each pixel's Poisson photo-electrons pass an electron-multiplying register
  (for n electrons in, a Gamma distribution of shape n: excess noise factor 2, so the noise is
  skewed, and its variance twice Poisson's), then a read noise of `EMCCD_READ` ADU and an
  offset of `EMCCD_OFFSET` ADU are added, at `EMCCD_GAIN` ADU per photo-electron, and the
  result is rounded to 16-bit counts. The reference is the mean of that (offset plus gain
  times photons); scores map both to the 8-bit scale with the offset at 0 and the
  reference's maximum at 255.
- ``composite``: three-channel fluorescence stored as one interleaved RGB-like image (Y x X x 3),
  which napari-sdap trains jointly like RGB: the FMD BPAE sample's R, G and B stains (the same
  field of view) stacked, once as the real raw frames 1 against their ground truth, once as the
  ground truth with the 2 x 2 box noise at std 15 drawn independently per channel.
- ``wfclip``: real wide-field noise on a background clipped at 0, as an 8-bit export whose
  black level was set at the background makes it. FMD's raw wide-field frames 1 (real camera
  noise, correlated about 0.5 between neighbours) minus the `WFCLIP_LEVEL` percentile of their
  reference, clipped at 0 (31-34 % of the pixels are 0); the reference is the ground truth minus
  the same level (not clipped: slightly negative in the darkest background).

Clean images: FMD ground-truth frames (averages of 50 raw frames), one Set12 photograph and,
for ``camera``, four PolyU references (means of repeated shots).
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
CORR_TAPS = np.array([0.31, 1.0, 0.31]) / np.sqrt(1.0 + 2 * 0.31**2)
"""clipcorr: the 1-D kernel (applied along Y and along X) that correlates the noise."""
WFCLIP_LEVEL = 25.0
"""wfclip: the reference's percentile taken off as the black level."""
STRONG = (("fmd/gt/Confocal_BPAE_B_1.png", 5.0), ("fmd/gt/Confocal_MICE_1.png", 10.0),
          ("fmd/gt/TwoPhoton_MICE_1.png", 5.0), ("fmd/gt/WideField_BPAE_G_1.png", 10.0))
STRONG_READ = 2.0
MICROBOX = (("fmd/gt/Confocal_BPAE_B_1.png", "corr2_15"), ("fmd/gt/TwoPhoton_MICE_1.png", "corr2"),
            ("fmd/gt/Confocal_MICE_1.png", "corr15"), ("fmd/gt/WideField_BPAE_G_1.png", "corr2_15"))
"""microbox: the clean image and the box noise (`quality.BOX`: edge, per-pixel std)."""
CAMERA = ((25, 100.0), (45, 150.0), (65, 250.0), (85, 400.0))
"""camera: the PolyU reference (index in the sorted list) and the photon peak."""
DSLR = ((15, 1000.0), (35, 1600.0), (55, 1000.0), (75, 1600.0), (95, 2500.0))
"""dslr: the PolyU reference (index in the sorted list) and the photon peak."""
COMPOSITE = ("Confocal", "TwoPhoton", "WideField")
"""composite: the FMD modalities whose BPAE R, G and B frames are stacked."""
EMCCD = (("fmd/gt/Confocal_FISH_1.png", 15.0), ("fmd/gt/TwoPhoton_BPAE_R_1.png", 25.0),
         ("fmd/gt/Confocal_BPAE_G_1.png", 40.0), ("fmd/gt/WideField_BPAE_R_1.png", 60.0))
"""emccd: the clean image and the photon peak."""
EMCCD_GAIN, EMCCD_OFFSET, EMCCD_READ, EMCCD_BACKGROUND = 20.0, 400.0, 3.0, 0.5
"""emccd: ADU per photo-electron (EM gain over the ADC's electrons per ADU), offset and read
noise std in ADU, and photons in the dark background."""
CCM = np.array([[1.6, -0.4, -0.2], [-0.3, 1.5, -0.2], [0.0, -0.5, 1.5]])
"""camera: a phone-like colour matrix (rows sum to 1), from camera RGB to linear sRGB."""
CAMERA_READ = 0.002
JPEG_QUALITY = 90
"""camjpeg: the JPEG quality the camera frames are saved at."""

Proxy = tuple[str, np.ndarray, np.ndarray, dict]


def _load(path: Path, crop: int | None, grey: bool = True) -> np.ndarray:
    """An image as float32, its centre `crop` x `crop` (all of it for None); `grey`: the first
    channel of a colour image."""
    from skimage.io import imread

    a = imread(path).astype(np.float32)
    if grey and a.ndim == 3:
        a = a[..., 0]
    if crop:
        h, w = a.shape[:2]
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


def clipcorr(clean: np.ndarray, peak: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`clip8` with the noise correlated by `CORR_TAPS` before rounding and clipping."""
    from scipy.ndimage import convolve1d

    rng = np.random.default_rng(seed)
    lo, hi = np.percentile(clean, [BACKGROUND, 99.9])
    photons = np.clip((clean - lo) / max(hi - lo, 1e-6), 0.0, None) * peak
    noise = rng.poisson(photons) + rng.normal(0.0, READ, clean.shape) - photons
    for axis in (0, 1):
        noise = convolve1d(noise, CORR_TAPS, axis=axis, mode="wrap")
    noisy = np.clip(np.round(GAIN * (photons + noise) + OFFSET), 0, 255).astype(np.float32)
    return noisy, (GAIN * photons + OFFSET).astype(np.float32)


def strong(clean: np.ndarray, peak: float, seed: int) -> np.ndarray:
    """Poisson at `peak` photons for 255 plus Gaussian read noise (0-255 scale, not clipped)."""
    rng = np.random.default_rng(seed)
    return (rng.poisson(clean / 255.0 * peak) / peak * 255.0
            + rng.normal(0.0, STRONG_READ, clean.shape)).astype(np.float32)


def emccd(clean: np.ndarray, peak: float, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """(noisy 16-bit-valued float32, reference, meta with the 8-bit mapping)."""
    rng = np.random.default_rng(seed)
    lo, hi = np.percentile(clean, [BACKGROUND, 99.9])
    photons = np.clip((clean - lo) / max(hi - lo, 1e-6), 0.0, None) * peak + EMCCD_BACKGROUND
    n = rng.poisson(photons)
    electrons = np.where(n > 0, rng.gamma(np.maximum(n, 1), 1.0), 0.0)
    adu = EMCCD_GAIN * electrons + rng.normal(0.0, EMCCD_READ, clean.shape) + EMCCD_OFFSET
    noisy = np.clip(np.round(adu), 0, 65535).astype(np.float32)
    ref = (EMCCD_GAIN * photons + EMCCD_OFFSET).astype(np.float32)
    scale = 255.0 / (EMCCD_GAIN * float(photons.max()))
    return noisy, ref, {"peak": peak, "to8": [EMCCD_OFFSET, scale]}


def _linear(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _srgb(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, 12.92 * v, 1.055 * v ** (1 / 2.4) - 0.055)


def _bayer(h: int, w: int) -> np.ndarray:
    """RGGB mosaic mask, (h, w, 3)."""
    m = np.zeros((h, w, 3))
    m[0::2, 0::2, 0] = m[1::2, 1::2, 2] = m[0::2, 1::2, 1] = m[1::2, 0::2, 1] = 1.0
    return m


def _demosaic(raw: np.ndarray) -> np.ndarray:
    """Bilinear demosaicing of an RGGB mosaic."""
    from scipy.ndimage import convolve

    green = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]]) / 4.0
    red_blue = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 4.0
    m = _bayer(*raw.shape)
    return np.stack([convolve(raw * m[..., c], k, mode="mirror")
                     for c, k in ((0, red_blue), (1, green), (2, red_blue))], axis=-1)


def mosaics(clean: np.ndarray, peak: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(noisy, noise-free) linear RGGB mosaics of a clean 8-bit sRGB image (h, w, 3): Poisson
    photons at `peak` and a read noise of `CAMERA_READ` (full scale 1)."""
    rng = np.random.default_rng(seed)
    linear = np.clip(_linear(clean / 255.0) @ np.linalg.inv(CCM).T, 0.0, None)
    raw = (linear * _bayer(*clean.shape[:2])).sum(-1)
    return rng.poisson(raw * peak) / peak + rng.normal(0.0, CAMERA_READ, raw.shape), raw


def camera(clean: np.ndarray, peak: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(noisy uint8-valued float32, reference) for a clean 8-bit sRGB image (h, w, 3)."""
    counts, raw = mosaics(clean, peak, seed)

    def encode(mosaic: np.ndarray) -> np.ndarray:
        return 255.0 * _srgb(_demosaic(mosaic) @ CCM.T)

    noisy = np.clip(np.round(encode(counts)), 0, 255)
    return noisy.astype(np.float32), encode(raw).astype(np.float32)


def _name(rel: str, peak: float) -> str:
    return f"{Path(rel).stem}@{peak:g}"


def clip8_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    for k, (rel, peak) in enumerate(CLIP8):
        noisy, ref = clip8(_load(data / rel, crop), peak, seed=5000 + k)
        yield _name(rel, peak), noisy, ref, {"zeros": round(float(np.mean(noisy == 0)), 3)}


def clipcorr_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    for k, (rel, peak) in enumerate(CLIP8):
        noisy, ref = clipcorr(_load(data / rel, crop), peak, seed=5000 + k)
        yield _name(rel, peak), noisy, ref, {"zeros": round(float(np.mean(noisy == 0)), 3)}


def strong_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    for k, (rel, peak) in enumerate(STRONG):
        clean = _load(data / rel, crop)
        yield _name(rel, peak), strong(clean, peak, seed=6000 + k), clean, {"peak": peak}


def microbox_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    from quality import BOX, box_noise

    for k, (rel, noise) in enumerate(MICROBOX):
        clean = _load(data / rel, crop)
        box = box_noise(clean.shape, *BOX[noise], np.random.default_rng(8000 + k))
        yield (f"{Path(rel).stem}@{noise}", (clean + box).astype(np.float32), clean,
               {"noise": noise})


def camera_tasks(data: Path, crop: int | None, frames: tuple = CAMERA, seed: int = 7000
                 ) -> Iterator[Proxy]:
    files = sorted((data / "polyu").glob("*_mean.JPG"))
    for k, (index, peak) in enumerate(frames):
        noisy, ref = camera(_load(files[index], crop, grey=False), peak, seed=seed + k)
        name = files[index].name.removesuffix("_mean.JPG")
        yield f"{name}@{peak:g}", noisy, ref, {"peak": peak, "rgb": True}


def dslr_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    return camera_tasks(data, crop, DSLR, seed=7500)


def emccd_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    for k, (rel, peak) in enumerate(EMCCD):
        noisy, ref, meta = emccd(_load(data / rel, crop), peak, seed=9500 + k)
        yield _name(rel, peak), noisy, ref, meta


def camjpeg_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    import imagecodecs

    for name, noisy, ref, meta in camera_tasks(data, crop):
        coded = imagecodecs.jpeg8_encode(noisy.astype(np.uint8), level=JPEG_QUALITY)
        yield (name, np.asarray(imagecodecs.jpeg8_decode(coded), np.float32), ref,
               {**meta, "jpeg": JPEG_QUALITY})


def composite_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    from quality import BOX, box_noise

    def stack(folder: str, kind: str) -> np.ndarray:
        return np.stack([_load(data / f"fmd/{folder}/{kind}_BPAE_{c}_1.png", crop)
                         for c in "RGB"], axis=-1)

    for k, kind in enumerate(COMPOSITE):
        clean = stack("gt", kind)
        yield f"{kind}_BPAE_RGB_1", stack("raw", kind), clean, {"rgb": True}
        box = np.stack([box_noise(clean.shape[:2], *BOX["corr2_15"],
                                  np.random.default_rng(9000 + 3 * k + c)) for c in range(3)], -1)
        yield (f"{kind}_BPAE_RGB@corr2_15", (clean + box).astype(np.float32), clean,
               {"noise": "corr2_15", "rgb": True})


def wfclip_tasks(data: Path, crop: int | None) -> Iterator[Proxy]:
    for kind in ("B", "G", "R"):
        name = f"WideField_BPAE_{kind}_1"
        ref = _load(data / f"fmd/gt/{name}.png", crop)
        level = float(np.round(np.percentile(ref, WFCLIP_LEVEL)))
        raw = _load(data / f"fmd/raw/{name}.png", crop)
        noisy = np.clip(raw - level, 0, 255).astype(np.float32)
        yield (f"{name}-{level:g}", noisy, (ref - level).astype(np.float32),
               {"level": level, "zeros": round(float(np.mean(noisy == 0)), 3)})


PROXIES: dict[str, Callable[[Path, int | None], Iterator[Proxy]]] = {
    "clip8": clip8_tasks, "strong": strong_tasks, "camera": camera_tasks,
    "microbox": microbox_tasks, "composite": composite_tasks, "emccd": emccd_tasks,
    "camjpeg": camjpeg_tasks, "dslr": dslr_tasks, "clipcorr": clipcorr_tasks,
    "wfclip": wfclip_tasks}
