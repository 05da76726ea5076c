"""A blur of the colour components alone of the output of RGB models trained for correlated
noise, chosen from the noisy data alone.

Camera noise after demosaicing lives largely in the colour differences, which hold little
detail: in orthonormal opponent components (brightness ``R + G + B``, ``R - B`` and ``R - 2G +
B``, each normalised) a blur of the two colour components of the default output gained up to
0.34 dB on phone-camera proxies and 0.09-0.21 dB on PolyU images, and cost up to 0.86 dB on
others (docs/benchmarks.md, "Two more choices for correlated camera noise"). Which blur, if
any, is decided per model by Stein's estimate for correlated Gaussian noise (`infer.correlated`)
on the colour components: per pixel and component

    (G f - x)_i**2 - (f - x)_i**2 + 2 ((G J C)_ii - (J C)_ii)

with probes drawn with covariance ``C``. This noise is strongly signal dependent (dark pixels
after the gamma, the camera's processing), and the estimate needs its variance per pixel: read
from the RGB noise curve's shape at the output, scaled to the noise read where the output is
flat, and the RGB noise correlation at lag 0 (half the products of differences 4-5 pixels
apart on the flattest quarter), turned into the components. With each component's variance
read where the output is flat and used everywhere instead, the estimate read a loss on all ten
images measured, gains included. Every pixel is counted, those near a clip too (the output
blur leaves them out, `correlated.counted`): on a phone-camera proxy clipped at black, whose
colour blur costs 0.59 dB there, the estimate without them read a gain.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from napari_sdap.infer.blocks import block_means
from napari_sdap.infer.correlated import (
    MAX_FACTOR,
    PROBES,
    Covariance,
    correlated_probe,
    counted,
    curve_at,
    noise_covariance,
    pick_blur,
)
from napari_sdap.infer.curve import roughness
from napari_sdap.infer.gaussian import OPPONENT, blur_radius, gaussian
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.smoothing import Run, Smoothing, blur, inside
from napari_sdap.infer.tiling import Tile

__all__ = ["COLOUR_SIGMAS", "choose_colour_blur", "rgb_noise"]

COLOUR_SIGMAS = (0.7, 1.0, 1.5, 2.0, 3.0)
"""The colour blurs tried (Gaussian standard deviation in pixels)."""
MIN_GAIN = 0.01
"""A colour blur is chosen only when its estimated gain exceeds this fraction of the RGB noise
variance (and `correlated.ERRORS` standard errors): where the colour holds next to no noise,
colour detail read as noise made a blur of 0.7 px look like a gain of 0.5 % of it."""
_FAR = ((0, 4), (4, 0), (0, 5), (5, 0), (4, 4), (5, 5))
"""Offsets at which this noise no longer correlates (the RGB correlation at lag 0)."""
_CALM = 2.0
_FLAT = 0.25
_EPS = 1e-3
_SEED = 32_452_843


def _opponent(a: np.ndarray) -> np.ndarray:
    return np.einsum("ck,khw->chw", OPPONENT, a)


def _rgb(a: np.ndarray) -> np.ndarray:
    return np.einsum("kc,khw->chw", OPPONENT, a).astype(np.float32)


def _curve(f: np.ndarray, curve: NoiseCurve, group: int) -> np.ndarray:
    """3 x h x w: the noise curve of each RGB channel read at the output."""
    return np.stack([curve_at(f[k], curve, group, k) for k in range(3)])


def rgb_noise(seen: list[tuple[np.ndarray, np.ndarray, int]], curve: NoiseCurve
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """(per RGB channel: the noise variance over the curve's there, 3 x 3 noise correlation)
    at lag 0, on the quarter of the pixels where the output blurred by `_CALM` px is flattest;
    None when too few pixels or no variance."""
    acc, count, shape, pixels = np.zeros((3, 3)), 0, np.zeros(3), 0
    for x, f, group in seen:
        calm = gaussian(torch.from_numpy(np.ascontiguousarray(f, np.float32))[None], _CALM)
        rough = roughness(calm[0]).numpy().mean(0)
        use = rough <= np.quantile(rough, _FLAT)
        h, w = use.shape
        for dy, dx in _FAR:
            both = use[: h - dy, : w - dx] & use[dy:, dx:]
            d = (x[:, : h - dy, : w - dx] - x[:, dy:, dx:])[:, both].astype(np.float64)
            acc += d @ d.T / 2.0
            count += d.shape[1]
        shape += _curve(f, curve, group)[:, use].sum(axis=1)
        pixels += int(use.sum())
    if count < 100 or np.any(np.diag(acc) <= 0) or np.any(shape <= 0):
        return None
    cov = acc / count
    sd = np.sqrt(np.diag(cov))
    # a variance above the curve's by more than MAX_FACTOR is texture, not noise (as for the
    # output blur, `correlated.MAX_FACTOR`)
    return np.minimum(np.diag(cov) / (shape / pixels), MAX_FACTOR), cov / np.outer(sd, sd)


def choose_colour_blur(run: Run, windows: Iterable[tuple[np.ndarray, int, Tile]],
                       curve: NoiseCurve, seed: int = 0,
                       sigmas: tuple[float, ...] = COLOUR_SIGMAS) -> Smoothing | None:
    """The blur of the output's colour components with the lowest estimated error, or none
    (sigma 0) unless it gains significantly (`correlated.ERRORS`, `MIN_GAIN`; the gain in
    units of the RGB noise variance).
    `run(window, group)` maps a normalised 3 x h x w RGB window to (repaired input, output);
    `windows` gives (window, channel group, tile) with the exact halo plus
    `blur_radius(max(sigmas))`. None when the noise cannot be read."""
    seen = []
    for window, group, tile in windows:
        x = np.asarray(window, np.float32)
        seen.append((x, run(x, group)[1].astype(np.float64), group, tile))
    got = rgb_noise([(x, f, g) for x, f, g, _ in seen], curve)
    space = noise_covariance([(_opponent(x), _opponent(f), g, counted(x).all(0)[None]
                               .repeat(3, 0)) for x, f, g, _ in seen])
    if got is None or space is None:
        return None
    return _estimate(run, seen, curve, got, space, seed, sigmas)


def _estimate(run: Run, seen: list, curve: NoiseCurve, got: tuple[np.ndarray, np.ndarray],
              space: Covariance, seed: int, sigmas: tuple[float, ...]) -> Smoothing | None:
    factor, corr = got
    rng = np.random.default_rng(seed + _SEED)
    reach = blur_radius(max(sigmas))
    deltas: list[list[np.ndarray]] = [[] for _ in sigmas]
    blocks: list[list[np.ndarray]] = [[] for _ in sigmas]
    noise: list[np.ndarray] = []
    for x, f, group, tile in seen:
        iy, ix = inside(tile.inner, x.shape[-2:], reach)
        if iy.stop <= iy.start or ix.stop <= ix.start:
            continue
        sd = np.sqrt(_curve(f, curve, group) * factor[:, None, None])
        every = np.einsum("ck,cl,kl,khw,lhw->chw", OPPONENT, OPPONENT, corr, sd, sd)
        scale = np.sqrt(np.clip(every, 0.0, None)).astype(np.float32)
        xo, fo = _opponent(x)[1:], _opponent(f)[1:]
        own = np.zeros(xo.shape)
        cross = [np.zeros(xo.shape) for _ in sigmas]
        for _ in range(PROBES):  # all three components probed, as the noise is in all three
            b = correlated_probe(rng, x.shape, space.kernel) * scale
            u = _opponent((run(x + np.float32(_EPS) * _rgb(b), group)[1] - f) / _EPS)[1:]
            own += b[1:] * u / PROBES
            for i, s in enumerate(sigmas):
                cross[i] += b[1:] * blur(u.astype(np.float32), s) / PROBES
        cut = (slice(None), iy, ix)
        noise.append((sd * sd)[cut].mean(axis=0).ravel())  # the RGB noise, as the unit
        base = (fo - xo) ** 2 + 2.0 * own
        for i, s in enumerate(sigmas):
            d = ((blur(fo.astype(np.float32), s).astype(np.float64) - xo) ** 2
                 + 2.0 * cross[i] - base)[cut]
            deltas[i].append(d.ravel())  # every pixel: see the module text
            blocks[i].append(block_means(d, np.ones(d.shape, bool)))
    return pick_blur(sigmas, deltas, blocks, noise, MIN_GAIN)
