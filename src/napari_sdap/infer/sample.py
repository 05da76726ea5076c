"""The detail restore's noise curve, measured with the trained network on its training images.

Measured once when training ends and stored in the model, so that every image, stack, tile,
lazy view and cluster piece denoised with the model gets the same curve. Windows of up to
`SAMPLE_EDGE`² output pixels are taken from the planes of all images in random (seeded) order
until every channel group has `SAMPLE_PIXELS` pixels: one window for a 512 x 512 image, a few
per-plane windows for a stack of small planes, never the whole of a large image.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

import numpy as np

from napari_sdap.axes import PlaneView
from napari_sdap.infer.curve import Known, estimate_curve
from napari_sdap.infer.lags import LAG
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.noise_reach import gate_scale
from napari_sdap.infer.offset import estimate_offset, shift
from napari_sdap.infer.tiling import DETAIL_HALO, Tile, axis_windows
from napari_sdap.windows import random_start

__all__ = ["SAMPLE_EDGE", "SAMPLE_PIXELS", "Base", "Pairs", "Start", "measure_curve",
           "sample_tiles", "window"]

SAMPLE_EDGE = 512
SAMPLE_PIXELS = 2**17
"""Output pixels sampled per channel group (8192 per intensity bin)."""
Pairs = list[list[tuple[np.ndarray, np.ndarray]]]
"""(input, network output) of C x h x w windows, listed per channel group."""


class Start(NamedTuple):
    """Where the gate starts, chosen from the sampled pairs (`Base`)."""

    threshold: float
    """The gate's lowest threshold."""
    cap: bool = False
    """Cap the model curve's readings against texture (`infer.texture`)."""
    reach: float | None = None
    """The reading it was chosen from, kept in the model curve (`NoiseCurve.reach`)."""
    rescale: bool = False
    """Scale the gate's curve up to the input's variogram where it reads the noise low
    (`infer.noise_reach.gate_scale`: noise correlated at the stride)."""


Base = Callable[[Pairs], Start]
"""The gate's start, chosen from the sampled pairs."""


def _span(length: int, s: int, rng: np.random.Generator, edge: int = SAMPLE_EDGE
          ) -> tuple[int, int]:
    """A random stride-aligned span of up to `edge` pixels (the whole axis if shorter)."""
    edge -= edge % s
    if length <= edge:
        return 0, length
    start = random_start(rng, length, edge, align=s)
    return start, start + edge


def window(view: PlaneView, plane: int, halo: int, s: int, rng: np.random.Generator,
           edge: int = SAMPLE_EDGE) -> Tile:
    """A random tile of up to `edge`² output pixels of `plane`, with its exact-halo window."""
    (ty0, ty1), (tx0, tx1) = _span(view.height, s, rng, edge), _span(view.width, s, rng, edge)
    wy = axis_windows(view.height, ty1 - ty0, halo, s, ty0, ty1)[0]
    wx = axis_windows(view.width, tx1 - tx0, halo, s, tx0, tx1)[0]
    return Tile(plane, slice(ty0, ty1), slice(tx0, tx1), slice(wy[2], wy[3]),
                slice(wx[2], wx[3]))


def _crop(a: np.ndarray, tile: Tile) -> np.ndarray:
    """The tile's output region plus DETAIL_HALO pixels (inside the window)."""
    iy, ix = tile.inner
    y0 = max(iy.start - DETAIL_HALO, 0)
    x0 = max(ix.start - DETAIL_HALO, 0)
    return a[:, y0 : iy.stop + DETAIL_HALO, x0 : ix.stop + DETAIL_HALO]


def measure_curve(run: Callable[[np.ndarray], np.ndarray],
                  read: Callable[[int, Tile], np.ndarray], views: Sequence[PlaneView],
                  halo: int, s: int, seed: int = 0, threshold: float | Base = 1.0,
                  lag: int = LAG, offset: bool = False, known: Known | None = None,
                  white: bool = False) -> tuple[NoiseCurve, NoiseCurve]:
    """Noise curves (on the network's normalised scale) from sample windows of images `views`:
    the model's, and the plain one its student's targets restore with (`estimate_curve`), both
    from the same network pass.

    `run` maps one normalised C x h x w window to the network output (no detail restore);
    `read(k, tile)` reads a tile's normalised window of image k; `halo` is the network's exact
    halo and `s` the window alignment; `threshold` goes into the curve (the gate's lowest), or a
    function that chooses it, whether the model's curve is capped against texture and the
    reading behind it, from the sampled pairs (`Base`); `lag`: the lag at which the noise
    counts as decorrelated (`infer.lags.lag_product`); `offset`: measure the output's bias
    against the mean first (`infer.offset`), store it in both curves and measure them on the
    corrected output; `known`: the noise the user gave, for the model's curve; `white`: the
    noise is white (stride 1), and the model's curve capped by its highest frequencies
    (`estimate_curve`).
    """
    groups = views[0].n_channel_groups
    pairs: Pairs = [[] for _ in range(groups)]
    for k, tile, g in sample_tiles(views, halo, s, seed):
        x = read(k, tile)
        pairs[g].append((_crop(x, tile), _crop(run(x), tile)))
    start = threshold(pairs) if callable(threshold) else Start(threshold)
    extra: dict[str, object] = {}
    if offset:
        offsets = estimate_offset(pairs)
        pairs = [[(x, shift(mu, offsets[g])) for x, mu in per] for g, per in enumerate(pairs)]
        extra["offset"] = offsets
    rescale = ((lambda g, curves: gate_scale(pairs[g], curves)) if start.rescale else None)
    model = estimate_curve(pairs, start.threshold, lag, known=known, cap=start.cap,
                           rescale=rescale, white=white)
    return (model.model_copy(update={**extra, "reach": start.reach}),
            estimate_curve(pairs, start.threshold, plain=True).model_copy(update=extra))


def sample_tiles(views: Sequence[PlaneView], halo: int, s: int, seed: int = 0,
                 pixels: int = SAMPLE_PIXELS, edge: int = SAMPLE_EDGE
                 ) -> Iterator[tuple[int, Tile, int]]:
    """(image index, tile, channel group) of random tiles of up to `edge`² output pixels (with
    their exact-halo windows), planes in random (seeded) order, until every channel group has
    `pixels` output pixels or every plane was visited once."""
    rng = np.random.default_rng(seed)
    counts = [0] * views[0].n_channel_groups
    order = [(k, n) for k, v in enumerate(views) for n in range(v.n_planes)]
    for i in rng.permutation(len(order)):
        k, n = order[i]
        g = views[k].channel_group(n)
        if counts[g] >= pixels:
            if min(counts) >= pixels:
                return
            continue
        tile = window(views[k], n, halo, s, rng, edge)
        counts[g] += tile.pixels
        yield k, tile, g
