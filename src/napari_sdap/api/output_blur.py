"""Whether the default output of a model trained for correlated noise is blurred, and by how
much (`infer.correlated`), and, for RGB models, how much its colour components alone are blurred
after that (`infer.colour`): chosen when its training ends (after a student's distillation, for
the student's output), stored in its noise curve (`blur`, `colour_blur`, `blur_mode`)."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from typing import Any

import torch

from napari_sdap.api.frames import FRAME_SIGMAS, frame_covariance, frame_windows
from napari_sdap.api.model import SDAPModel
from napari_sdap.api.modes import default_mode
from napari_sdap.api.target_blur import on_cpu_after, sampled_windows
from napari_sdap.infer.colour import COLOUR_SIGMAS, choose_colour_blur
from napari_sdap.infer.correlated import (
    SIGMAS,
    Covariance,
    Seen,
    choose_output_blur,
    noise_covariance,
)
from napari_sdap.infer.gaussian import blur_radius
from napari_sdap.infer.known import known_noise
from napari_sdap.infer.refine import Refine
from napari_sdap.infer.smoothing import Smoothing
from napari_sdap.infer.targets import teacher
from napari_sdap.infer.tiling import alignment, exact_halo

__all__ = ["OUTPUT_PIXELS", "blurrable", "output_blur"]

log = logging.getLogger(__name__)

OUTPUT_PIXELS = 2**17
"""Output pixels per channel group the estimate reads (three passes of the network each),
in tiles of up to 256 x 256 (`target_blur.sampled_windows`)."""
_SEED = 86_028_121


def blurrable(model: SDAPModel) -> bool:
    """Whether the output blur is chosen for the model: 2-D, trained at a stride above 1
    (correlated noise), with a noise curve. Not at stride 1: there the output keeps little
    noise (FMD: no blur chosen on 8 of 9 types, -0.09 dB on the ninth), and a blur chosen
    on the average error smeared thin bright lines a test image held (docs/benchmarks.md)."""
    cfg = model.config
    return (cfg.training.stride > 1 and cfg.network.dims == 2
            and model.noise_curve is not None)


def output_blur(model: SDAPModel, sources: list[tuple[Any, Any]], device: torch.device
                ) -> Smoothing | None:
    """Choose the blur of the model's default output on `sources` and store it in its noise
    curve (`NoiseCurve.blur`; 0: none) and record (`record.output_blur`: the choice, its
    estimated gain and that of each blur tried, ``gain@SIGMA``); None, and no blur,
    where it is not chosen (not `blurrable`, or the noise could not be read)."""
    curve = model.noise_curve
    if not blurrable(model) or curve is None:
        if model.config.training.frames:
            log.info("frames is on, but only the output blur of 2-D models trained for "
                     "correlated noise (stride above 1) reads the noise from frames; this "
                     "model has none, so frames change nothing")
        return None
    cfg = model.config
    mode, pd = default_mode(model), cfg.inference.pd_stride
    refine = model.refine(mode=mode)
    if refine is not None:  # the output as it is without a blur
        refine = replace(refine, blur=0.0, colour_blur=0.0)
    net = model.net(mode)
    halo = exact_halo(net.radius, mode, pd, refine.halo if refine else 0)
    run = teacher(net, device, mode, pd, refine, fp32=True)
    known = known_noise(cfg.training) is not None
    sigmas = FRAME_SIGMAS if known else SIGMAS  # a known level does not take texture for noise
    frames = _frame_windows(model, sources, halo, alignment(mode, pd))
    windows = (sampled_windows(model, sources, halo + blur_radius(max(sigmas)),
                               alignment(mode, pd), cfg.seed + _SEED, OUTPUT_PIXELS)
               if frames is None else [(x, g, t) for x, g, t, _ in frames])

    def given(cov: Covariance | None) -> Covariance | None:  # the curve is the user's level
        return cov if cov is None or not known else replace(cov, factor=dict.fromkeys(
            cov.factor, 1.0))

    def from_frames(seen: list[Seen]) -> Covariance | None:  # None: not frames of one view
        return given(frame_covariance([(x, f, g, y) for (x, f, g, _, _), (*_, y)
                                       in zip(seen, frames or [], strict=True)], curve))

    def alone(seen: list[Seen]) -> Covariance | None:  # the correlations read from each frame
        return given(noise_covariance(((x, f, g, ok) for x, f, g, _, ok in seen), curve,
                                      cap=math.inf if known else None))

    def choose(cov: Any, sigmas: tuple[float, ...]) -> Smoothing | None:
        return on_cpu_after(lambda: choose_output_blur(run, windows, curve, seed=cfg.seed,
                                                       sigmas=sigmas, cov=cov), net,
                            "whether a blur of the output helps")

    chosen = choose(from_frames, FRAME_SIGMAS) if frames is not None else None
    used = chosen is not None
    if not used:  # each frame alone (also where the frames differ by more than noise)
        chosen = choose(alone, sigmas)
    if chosen is None:
        return None
    colour = (_colour(model, sources, device, replace(refine, blur=chosen.sigma), mode, pd)
              if cfg.network.in_channels == 3 and refine is not None else None)
    model.noise_curve = curve.model_copy(update={
        "blur": chosen.sigma, "blur_mode": mode, "colour_blur": colour.sigma if colour else 0.0})
    model.record.output_blur = {**chosen.summary(), "frames": float(used),
                                **{f"gain@{s:g}": round(g, 5) for s, g in chosen.tried},
                                **_colour_record(colour)}
    if chosen.sigma:
        log.info("the output is blurred by %.1f px (estimated error %.1f %% of the noise "
                 "variance lower, standard error %.1f %%)", chosen.sigma, 100 * chosen.gain,
                 100 * chosen.stderr)
    if colour is not None and colour.sigma:
        log.info("the output's colour is blurred by %.1f px (estimated error %.1f %% of the "
                 "noise variance lower, standard error %.1f %%)", colour.sigma,
                 100 * colour.gain, 100 * colour.stderr)
    return chosen


def _colour(model: SDAPModel, sources: list[tuple[Any, Any]], device: torch.device,
            refine: Refine, mode: str, pd: int) -> Smoothing | None:
    """The blur of the colour components of an RGB model's output (`infer.colour`), on the
    output as `refine` makes it (its blur included); None where it could not be estimated."""
    net = model.net(mode)
    halo = exact_halo(net.radius, mode, pd, refine.halo) + blur_radius(max(COLOUR_SIGMAS))
    windows = sampled_windows(model, sources, halo, alignment(mode, pd),
                              model.config.seed + _SEED + 1, OUTPUT_PIXELS)
    run = teacher(net, device, mode, pd, refine, fp32=True)
    return on_cpu_after(lambda: choose_colour_blur(run, windows, refine.curve,
                                                   seed=model.config.seed),
                        net, "whether a blur of the output's colour helps")


def _colour_record(colour: Smoothing | None) -> dict[str, float]:
    """What the record keeps of the colour blur's choice (nothing where none was estimated)."""
    if colour is None:
        return {}
    return {"colour_sigma": colour.sigma, "colour_gain": round(colour.gain, 5),
            "colour_gain_se": round(colour.stderr, 5),
            **{f"colour_gain@{s:g}": round(g, 5) for s, g in colour.tried}}


def _frame_windows(model: SDAPModel, sources: list[tuple[Any, Any]], halo: int, s: int
                   ) -> list[tuple[Any, int, Any, Any]] | None:
    """The windows of the output blur's estimate with the next frame's (`api.frames`) when the
    config says the planes are frames of one view; None otherwise, or, with a warning, when no
    image holds two frames."""
    if not model.config.training.frames:
        return None
    try:
        got = list(frame_windows(model, sources, halo + blur_radius(max(FRAME_SIGMAS)), s,
                                 model.config.seed + _SEED, OUTPUT_PIXELS))
    except (RuntimeError, OSError) as err:  # an unreadable frame: as with no frames
        log.warning("could not read the frames (%s); the noise is read from each frame "
                    "alone", err)
        return None
    if not got:
        log.warning("frames is on, but no image holds two frames of one view (planes along T "
                    "or Z, or single-plane images of one shape); the noise is read from each "
                    "frame alone")
        return None
    return got
