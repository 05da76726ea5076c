"""The noise read from repeated frames of one view (`TrainingConfig.frames`), for the output blur
of models trained for correlated noise.

Read from one frame, the noise of a smooth image with noise correlated over several pixels
reads low (FMD wide-field: 0.61-0.84 of its variance), and the output blur chosen with it is
too small. Two frames of one unchanging view hold the same signal, so half their difference is
noise alone, with the noise's own variance and correlations: on FMD wide-field frames it read
1.02-1.08 of the true variance (docs/benchmarks.md, "Reading the noise for the output blur").
Nothing in the data tells whether frames show one unchanging view (a moving or bleaching
sample, another stain or a z-stack look alike to every test measured, docs/benchmarks.md,
"Frames of one view"), so the user says so; where they differ, the noise reads high and the
output is blurred too much.

Frames are consecutive planes along the image's T axis (else Z, else its first stacked axis),
with every other index alike; images of a single plane pair with the next image of the same
shape and axes (a list of frames).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from napari_sdap.api.model import SDAPModel
from napari_sdap.api.target_blur import WINDOW_EDGE
from napari_sdap.axes import PlaneView
from napari_sdap.infer import correlated as cor
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.sample import sample_tiles
from napari_sdap.infer.stream import read_window
from napari_sdap.infer.tiling import Tile

__all__ = ["FRAME_LIMIT", "FRAME_SIGMAS", "frame_axis", "frame_covariance", "frame_windows",
           "partner"]

log = logging.getLogger(__name__)

FRAME_LIMIT = 4.0
"""Frames whose half difference reads a variance above this many times the noise curve's are
not taken for frames of one view (the curve reads correlated noise low, but on the FMD
wide-field frames the frames read 1.36-1.75 times it; another stain of the same cells, which
no test tells from a frame, 1.43-2.49): the noise is read from each frame alone."""
FRAME_SIGMAS = (0.7, 1.0, 1.5, 2.0, 2.5, 3.0)
"""The output blurs tried with the noise read from frames: larger ones than from a single frame
(`correlated.SIGMAS`), since the reading does not take texture for noise."""


def frame_axis(view: PlaneView) -> int | None:
    """Array position of the axis along which the planes of `view` are frames: T, else Z, else
    the first stacked axis other than C; None when no such axis holds two planes."""
    stacked = [i for i in view.loop_axes if i != view.channel_pos and view.shape[i] > 1]
    for name in ("T", "Z"):
        if name in view.axes and view.axes.index(name) in stacked:
            return view.axes.index(name)
    return stacked[0] if stacked else None


def partner(view: PlaneView, n: int) -> int | None:
    """The plane after plane `n` along the frame axis (the one before, for the last), all other
    indices alike; None when the image has one frame."""
    axis = frame_axis(view)
    if axis is None:
        return None
    pos = view.plane_position(n)
    pos[axis] += 1 if pos[axis] + 1 < view.shape[axis] else -1
    sizes = [view.shape[i] for i in view.loop_axes]
    return int(np.ravel_multi_index([pos[i] for i in view.loop_axes], sizes))


def _other_image(sources: list[tuple[Any, PlaneView]], k: int) -> int | None:
    """The image a single-plane image `k` pairs with: the next one (the one before, for the
    last) if it has the same shape and axes."""
    view = sources[k][1]
    for j in (k + 1, k - 1):
        if 0 <= j < len(sources) and (sources[j][1].shape, sources[j][1].axes) == (
                view.shape, view.axes):
            return j
    return None


def frame_windows(model: SDAPModel, sources: list[tuple[Any, PlaneView]], halo: int, s: int,
                  seed: int, pixels: int
                  ) -> Iterator[tuple[np.ndarray, int, Tile, np.ndarray]]:
    """(normalised window, channel group, tile, the same window of the next frame) of random
    tiles, drawn as `target_blur.sampled_windows` draws them; tiles of images with a single
    frame and no partner image are left out."""
    norm = model.normalization
    for k, tile, g in sample_tiles([v for _, v in sources], halo, s, seed=seed, pixels=pixels,
                                   edge=WINDOW_EDGE):
        array, view = sources[k]
        other = partner(view, tile.plane)
        if other is not None:
            twin = read_window(array, view, norm, replace(tile, plane=other))
        else:
            j = None if view.n_planes > 1 else _other_image(sources, k)
            if j is None:
                continue
            twin = read_window(sources[j][0], sources[j][1], norm, tile)
        yield read_window(array, view, norm, tile), g, tile, twin


def frame_covariance(seen: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]],
                     curve: NoiseCurve) -> cor.Covariance | None:
    """The noise covariance from (window, output, channel group, next frame's window): read
    from half the frames' difference on every pixel clear of clipping in both (texture cancels
    out, so neither the flattest pixels nor the cap against the curve apply); None, with a
    warning, where it reads above `FRAME_LIMIT` times the curve (or too few pixels)."""
    diffs = [((x - y) / np.sqrt(2.0), f, g, cor.counted(x) & cor.counted(y))
             for x, f, g, y in seen]
    cov = cor.noise_covariance(diffs, curve, flat=1.0, cap=math.inf)
    if cov is not None and max(cov.factor.values()) > FRAME_LIMIT:
        log.warning("the frames differ by more than noise (%.1f times the variance one frame "
                    "reads): they do not look like frames of one unchanging view, so the noise "
                    "is read from each frame alone", max(cov.factor.values()))
        return None
    return cov
