"""Whether the student's targets are blurred, and by how much (`infer.smoothing`).

`StudentConfig.target_blur` is either a fixed standard deviation or `auto`: for models whose
noise is independent per pixel (`checkable`), the blur of the teacher's target result that
Stein's unbiased estimate on a sample of the training images says gains significantly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np
import torch

from napari_sdap.api.model import SDAPModel
from napari_sdap.infer.refine import Refine
from napari_sdap.infer.sample import sample_tiles
from napari_sdap.infer.smoothing import SIGMAS, Smoothing, blur_radius, choose_blur
from napari_sdap.infer.stream import read_window
from napari_sdap.infer.targets import teacher
from napari_sdap.infer.tiling import Tile, alignment, exact_halo

__all__ = ["BLUR_PIXELS", "WINDOW_EDGE", "checkable", "sampled_windows", "target_blur"]

log = logging.getLogger(__name__)
T = TypeVar("T")

BLUR_PIXELS = 2**16
"""Output pixels per channel group the estimate reads (two teacher passes each)."""
WINDOW_EDGE = 256
"""Edge of the sampled tiles (the sample takes one per plane, in random order)."""
_SEED = 32_452_843


def checkable(model: SDAPModel) -> bool:
    """Whether Stein's estimate holds for the model's teacher (the student check, `auto` target
    blur): a 2-D model trained at stride 1 (noise independent per pixel) with a noise curve."""
    cfg = model.config
    return (cfg.training.stride == 1 and cfg.network.dims == 2
            and model.noise_curve is not None)


def sampled_windows(model: SDAPModel, sources: list[tuple[Any, Any]], halo: int, s: int,
                    seed: int, pixels: int) -> Iterator[tuple[np.ndarray, int, Tile]]:
    """(normalised window, channel group, tile) of random tiles of up to `WINDOW_EDGE`² output
    pixels of `sources`, one per plane, until `pixels` per channel group
    (`sample.sample_tiles`); `halo` and `s`: the windows' context and alignment."""
    norm = model.normalization
    for k, t, g in sample_tiles([v for _, v in sources], halo, s, seed=seed, pixels=pixels,
                                edge=WINDOW_EDGE):
        yield read_window(sources[k][0], sources[k][1], norm, t), g, t


def on_cpu_after(estimate: Callable[[], T], net: torch.nn.Module, what: str) -> T | None:
    """`estimate()` with `net` moved back to the CPU after it; None, after a warning that says
    `what` could not be estimated, where it fails (out of memory, unreadable input)."""
    try:
        return estimate()
    except (RuntimeError, OSError) as err:
        log.warning("could not estimate %s (%s); the output is left as it is", what, err)
        return None
    finally:
        net.to("cpu")


def target_blur(model: SDAPModel, sources: list[tuple[Any, Any]], device: torch.device,
                mode: str, pd: int, refine: Refine | None) -> tuple[float, Smoothing | None]:
    """(blur of the student's targets in px, the estimate behind an `auto` choice) for the
    teacher (`mode`, PD stride `pd`, `refine`, the config's target flips) on `sources`."""
    setting = model.config.student.target_blur
    if setting != "auto":
        return float(setting), None
    if not checkable(model):
        return 0.0, None
    cfg = model.config
    net = model.network
    halo = exact_halo(net.radius, mode, pd, refine.halo if refine else 0)
    run = teacher(net, device, mode, pd, refine, cfg.student.target_flips, fp32=True)
    blind = (None if refine is None or not refine.detail else
             teacher(net, device, mode, pd, Refine(refine.curve, detail=False), fp32=True))
    windows = sampled_windows(model, sources, halo + blur_radius(max(SIGMAS)),
                              alignment(mode, pd), cfg.seed + _SEED, BLUR_PIXELS)
    try:
        chosen = choose_blur(run, windows, seed=cfg.seed, blind=blind)
    except (RuntimeError, OSError) as err:  # out of memory, unreadable input
        log.warning("could not estimate whether a blur of the student's targets helps (%s); "
                    "they are not blurred", err)
        return 0.0, None
    if chosen is not None and chosen.sigma:
        log.info("the student's targets are blurred by %.1f px (estimated error %.1f %% of the "
                 "noise variance lower, standard error %.1f %%)", chosen.sigma,
                 100 * chosen.gain, 100 * chosen.stderr)
    return (chosen.sigma if chosen is not None else 0.0), chosen
