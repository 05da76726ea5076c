"""The student against its teacher: the error of each estimated from pixels of the noisy
training images held out of the student's training (`infer.risk`), for the distillation stage's
verdict (`api.distillation`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from napari_sdap.api.model import SDAPModel
from napari_sdap.api.target_blur import checkable
from napari_sdap.infer.passes import resolve_mode
from napari_sdap.infer.refine import REPAIR_HALO, Refine
from napari_sdap.infer.risk import Comparison, compare, held_out
from napari_sdap.infer.sample import sample_tiles
from napari_sdap.infer.stream import Engine, read_window
from napari_sdap.infer.texture import gaussian_like
from napari_sdap.infer.tiling import Tile, alignment, exact_halo
from napari_sdap.model.student import StudentNet

__all__ = ["CHECK_PIXELS", "SEED_OFFSET", "hold", "judge", "teacher_mode"]

CHECK_PIXELS = 2**18
"""Pixels of the training images (per channel group) the check reads; the held-out ones among
them (one in 8) compare student and teacher."""
SEED_OFFSET = 104_729
"""Added to the model's seed for the check's windows (and the distillation's patches)."""


def teacher_mode(model: SDAPModel) -> str:
    """The mode the teacher denoises with (`config.inference.mode`, a student mode aside)."""
    mode = model.config.inference.mode
    return resolve_mode("auto" if mode == "student" else mode, model.config.training.stride,
                        volume=model.config.network.dims == 3)



def hold(k: int, tile: Tile) -> np.ndarray:
    """The pixels of a tile held out of the student's training, for `judge`."""
    return held_out(k, tile.plane, tile.ys, tile.xs)


def judge(model: SDAPModel, student: StudentNet, sources: list[tuple[Any, Any]],
          device: torch.device) -> Comparison | None:
    """The student against its teacher on the held-out pixels of up to `CHECK_PIXELS` pixels of
    the training images (`infer.risk`); None where the estimate does not hold (not
    `checkable`) or no pixel was held out (images too small). For near-Gaussian noise
    (`infer.texture.gaussian_like`) each pixel's noise variance is scaled by the noise read
    around it (`compare`'s `local`): where the noise differs between parts of the image at the
    same intensity, the curve by intensity reads one mean, and a student worse than its
    teacher in the noisier part looked better (two halves of noise std 2 and 25: it read 1.29
    noise variances better, 0.14 worse with the scale, and was 0.9 and 2.5 dB worse). Not for
    photon noise of a few counts: its curve, read at the noisy input, is too steep near its
    dark end for the local reading (a strong-Poisson crop read 0.65 of its noise there)."""
    cfg = model.config
    curve = model.noise_curve
    if curve is None or not checkable(model):
        return None
    mode, pd = teacher_mode(model), cfg.inference.pd_stride
    refine = model.refine()
    detail = refine is not None and refine.detail
    halo = max(exact_halo(model.network.radius, mode, pd, Refine(curve).halo),
               student.radius + REPAIR_HALO)
    engine = Engine(model.network, device, mode, pd, compile=False,
                    refine=Refine(curve, detail=False))
    student.to(device)
    norm = model.normalization
    tiles = sample_tiles([v for _, v in sources], halo, alignment(mode, pd),
                         seed=cfg.seed + SEED_OFFSET, pixels=CHECK_PIXELS)
    try:
        return compare(engine, student, curve, detail,
                       ((read_window(sources[k][0], sources[k][1], norm, t), g, t, hold(k, t))
                        for k, t, g in tiles), seed=cfg.seed,
                       local=gaussian_like(model.record.noise))
    finally:
        model.network.to("cpu")
        student.to("cpu")
