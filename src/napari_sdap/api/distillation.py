"""The second stage of `iter_train`: distil the blind-spot teacher into the non-blind student.

The teacher's output (its inference mode, with the outlier repair and the detail restore) on
the training images (`infer.targets`) becomes the target of a `StudentNet` (`training.distil`).
A 3-D teacher has neither (no noise curve): its plain output is the target, and its student
reads the teacher's whole window (the plane with its context planes) and writes the plane.
The student is attached to the model only when the stage ends, so a live preview keeps using
the teacher until then; a stage stopped after at least half of its steps keeps the student
(it has converged most of the way), one stopped earlier drops it, and so does one that has not
learned the teacher's result (`MAX_FIDELITY`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from typing import Any

import torch

from napari_sdap.api.model import SDAPModel
from napari_sdap.infer.passes import resolve_mode
from napari_sdap.infer.refine import Refine
from napari_sdap.infer.stream import read_window
from napari_sdap.infer.targets import teacher, teacher_targets
from napari_sdap.infer.tiling import alignment, exact_halo
from napari_sdap.model.student import StudentNet, student_channels
from napari_sdap.training.distil import PairSampler, fidelity, run_distillation
from napari_sdap.training.loop import TrainStep

__all__ = ["KEEP_FRACTION", "MAX_FIDELITY", "distil"]

log = logging.getLogger(__name__)

KEEP_FRACTION = 0.5
"""A stopped distillation keeps its student once this fraction of its steps is done."""
MAX_FIDELITY = 0.25
"""A student is kept only when its squared difference from the teacher's result, on a fixed
batch of training windows, is at most this fraction of the noisy input's (`distil.fidelity`):
one that has not learned the teacher's result is never used instead of it."""
_LOSS_HISTORY = 20_000
_SEED = 104_729
_CHECK = 32
"""Patches of the fixed batch the finished student is checked on."""


def teacher_mode(model: SDAPModel) -> str:
    """The mode the teacher denoises with (`config.inference.mode`, a student mode aside)."""
    mode = model.config.inference.mode
    return resolve_mode("auto" if mode == "student" else mode, model.config.training.stride,
                        volume=model.config.network.dims == 3)


def distil(model: SDAPModel, sources: list[tuple[Any, Any]], device: torch.device,
           seconds: float | None = None) -> Iterator[TrainStep]:
    """Distil a student for `model`, yielding one `TrainStep` per step (step numbers count on
    from the teacher's); attaches it to `model` when done (or stopped late enough)."""
    cfg = model.config.student
    mode, pd = teacher_mode(model), model.config.inference.pd_stride
    refine = model.refine()
    if refine is not None and refine.detail:  # targets: the restore at its full strength
        # (the gate judges the teacher's own output; a student distilled from gated targets
        # lost 0.3-0.6 dB on FMD confocal, docs/benchmarks.md "Detail restore gate")
        refine = Refine(refine.curve.model_copy(update={"strength": 1.0}), detail=True)
    norm = model.normalization
    t0 = time.perf_counter()
    net = model.network.to(device).eval()
    try:
        pairs = teacher_targets(
            teacher(net, device, mode, pd, refine),
            lambda k, t: read_window(sources[k][0], sources[k][1], norm, t),
            [v for _, v in sources],
            exact_halo(net.radius, mode, pd, refine.halo if refine else 0),
            alignment(mode, pd), cfg.target_pixels, cfg.target_flips, seed=model.config.seed)
    finally:
        model.network.to("cpu")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(model.config.seed + _SEED)
        inputs, outputs = student_channels(model.config.network)
        student = StudentNet(inputs, cfg.student_width, cfg.student_dilations, outputs)
    check = PairSampler(pairs, cfg.student_patch, seed=model.config.seed).sample(_CHECK)
    sampler = PairSampler(pairs, cfg.student_patch, seed=model.config.seed + _SEED)
    losses: list[float] = []
    done, planned = 0, cfg.student_steps
    try:
        left = None if seconds is None else max(seconds - (time.perf_counter() - t0), 0.0)
        for rec in run_distillation(student, cfg, sampler, device, model.config.seed,
                                    start_step=model.record.steps, seconds=left):
            done, planned = done + 1, rec.steps - model.record.steps
            if len(losses) < _LOSS_HISTORY:
                losses.append(round(rec.loss, 6))
            yield rec
    finally:
        score = fidelity(student, check, device) if done else math.inf
        student.to("cpu").eval()
        model.record.student_seconds += time.perf_counter() - t0
        model.record.student_fidelity = score if math.isfinite(score) else None  # NaN: diverged
        if done >= KEEP_FRACTION * planned and score <= MAX_FIDELITY:
            model.student = student
            model.record.student_steps = done
            model.record.student_losses = losses
        elif done >= KEEP_FRACTION * planned:
            log.warning("the distilled student stays %.0f %% of the noise away from the "
                        "blind-spot network's result (at most %.0f %% is kept): it is dropped "
                        "and the blind-spot network denoises; train it longer with "
                        "student_steps=...", 100 * score, 100 * MAX_FIDELITY)
