"""`train` / `iter_train`: self-supervised training on the user's own noisy images."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from typing import Any

import torch

from napari_sdap.api.continuing import (
    check_no_whitening,
    continue_settings,
    dims_for,
    kept_until_first_step,
    noise_record,
    seed_for,
)
from napari_sdap.api.devices import pick_preset
from napari_sdap.api.inputs import image_name, prepare_all
from napari_sdap.api.model import SDAPModel
from napari_sdap.api.modes import check_student_mode, without_student
from napari_sdap.api.noise_curve import finish_curve
from napari_sdap.api.open_training import exiting, tracked
from napari_sdap.api.patch_size import round_patch, with_patch
from napari_sdap.api.training_end import (
    TrainProgress,
    begin_run,
    end_run,
    eta_left,
    finish_output,
    note_precision,
    steps_alone,
    student_stage,
)
from napari_sdap.api.training_record import TrainingRun
from napari_sdap.api.volume import choose_volume, volume_sources
from napari_sdap.chunk_cache import whole_cached
from napari_sdap.config import wants_student
from napari_sdap.errors import ConfigError
from napari_sdap.infer.whiten import choose_whitening, may_whiten, whiten_sources
from napari_sdap.kinds import is_whole, lowered, raised
from napari_sdap.model.device import resolve_device
from napari_sdap.model.normalize import compute_normalization
from napari_sdap.paths import printable
from napari_sdap.presets import check_budget, config_from_preset
from napari_sdap.training.loop import run_training
from napari_sdap.training.noise import choose_loss, estimate_noise
from napari_sdap.training.patches import PatchSampler
from napari_sdap.training.validation import Validator, holdout_rows, validation_fits, validation_on

__all__ = ["TrainProgress", "iter_train", "train", "validation_fits"]

log = logging.getLogger(__name__)

_CACHED_ABOVE = 64
"""A lazy image (dask, zarr) whose chunks hold more than twice this squared is read through one
`chunk_cache.whole_cached` for the whole call: the noise reading, the normalisation, the
patches, the curve, the distillation and the checks at the end each computed every chunk once
per plane (a 4-plane chunk 25 times in a 10-step `fast` training, 2 now); same pixels."""
_LOSS_HISTORY = 20_000
_MEAN_PATCHES, _MEAN_SEED = 32, 7919
"""Patches (own random stream) whose mean starts the output bias of an untrained network."""
TEACHER_SHARE = 0.65
"""Part of a `time_budget` for the blind-spot teacher (the rest: the student's targets and
distillation), when a student is distilled."""


def iter_train(image: Any, axes: str | Sequence[str | None] | None = None, *,
               preset: str = "auto", steps: int | None = None, stride: int | str = "auto",
               seed: int | None = None, device: str = "auto",
               model: SDAPModel | None = None, time_budget: float | None = None,
               validation: float = 0.0,
               dims: int | str | None = None, along: str | None = None, finish_stopped: bool = True,
               **overrides: Any) -> Iterator[TrainProgress]:
    """Train on `image` (or a list of images), yielding a `TrainProgress` after every step.

    `dims`: 2 (every plane on its own), 3 (each plane with `z_context` neighbouring planes on
    either side along `along`, "Z" (by default) or "T"; `model.network3d`; training further
    keeps the model's, and another given is refused) or "auto" (3-D for stacks with
    enough planes whose neighbouring planes share their signal; the choice and its reason go to
    the log and `model.record.dims`). 3-D models have no detail restore; their student (distilled
    by the same rule as for 2-D) reads the teacher's planes and writes the centre plane. Without
    a given `z_step` they read planes two apart when the noise of neighbouring planes is
    correlated (`api.volume.choose_volume`).
    With `model=`, the model's own dims apply (None, the default, or "auto"; another is refused).

    A new model with `stride="auto"` also takes the loss the noise calls for unless `loss` is
    given: L2 for skewed photon noise on a dark background clipped at 0 at a stride above 1,
    else L1 (`training.noise.choose_loss`). A model from `create_model` keeps its config's loss.

    `time_budget` (seconds of wall time for the whole call): both stages fit their step counts
    to it after timing their first steps (`TEACHER_SHARE` of it for the blind-spot teacher, the
    rest for the student's targets and distillation); `steps` and `student_steps` are then
    upper bounds.

    `validation` (a fraction, 0 = off): a band of that many rows at the bottom of every plane is
    kept out of training; the teacher's records then carry `val_loss` (the training loss on fixed
    patches of that band) about 50 times per run and at its last step
    (`training.validation`).

    `axes` is one string for every image or a list with one per image (a YX image and a ZYX
    stack train one 2-D model; their channels must agree).

    Stop by breaking out of the loop (or closing the generator): the model keeps what it learned
    and is finished as a completed one is (noise curve, output blur and mix), unless
    `finish_stopped=False`, for a caller that discards a stopped model (the CLI on Ctrl-C: that
    work took 26 s on a 1024² image); such a model is not fit to denoise with.
    With `model=`, training continues that model with its own normalisation and settings (an
    untrained model from `create_model` gets its normalisation, and with `stride="auto"` its
    stride, from this first training).

    `seed` (None: 0 for a new model): seeds the first weights, the patches and the RSG
    permutations; the same seed and data give the same model. A model trained further keeps
    its own seed (`model.config.seed`): another one is refused.
    """
    t00 = time.perf_counter()
    if "series" in overrides:  # (else the file's refusal, which says series=N, came first)
        raise ConfigError(f"train takes no series= (got series={overrides['series']!r}): open "
                          f"one image series of a file with napari_sdap.open_image(path, "
                          f"series=N) and train on that (a list of them for several)")
    budget = None if time_budget is None else check_budget(time_budget)
    preset, stride, dims = lowered(preset), lowered(stride), lowered(dims)  # ('Fast' as 'fast')
    along = None if along is None else raised(along)  # an axis letter ('z' as 'Z')
    if along not in (None, "Z", "T"):
        raise ConfigError(f"along must be 'Z' or 'T' (got {along!r})")
    if isinstance(model, str | os.PathLike):  # a model file: train it further
        from napari_sdap.api.loading import load_model

        model = load_model(model)
    if model is not None and not isinstance(model, SDAPModel):  # (a config, a list of models)
        raise ConfigError(f"model must be an SDAPModel to train further (create_model, "
                          f"load_model or an earlier train), its file's path or None (got "
                          f"{type(model).__name__}); a config makes a model with "
                          f"SDAPModel(config)")
    seed, dims = seed_for(seed, model), dims_for(dims, model)
    channel_mode = model.config.channel_mode if model else overrides.get("channel_mode", "auto")
    prepared = prepare_all(image, axes, channel_mode, model)  # (its channels: as denoising)
    run: list[tuple[SDAPModel, TrainingRun]] = []  # (set once the model and settings are)
    stopped = False
    try:
        training = _train([(whole_cached(p.array, _CACHED_ABOVE), p.view) for p in prepared],
                          t00, budget, run, names=[_file_name(p) for p in prepared],
                          preset=preset,
                          steps=steps, stride=stride, seed=seed, device=device, model=model,
                          validation=validation, dims=dims, along=along,
                          finish_stopped=finish_stopped, **overrides)
        yield from tracked(kept_until_first_step(training, model), model)
    except BaseException:  # stopped early, or failed (an error thrown in, out of memory): the
        stopped = True  # record does not say its steps were done
        raise
    finally:
        for p in prepared:
            p.close()
        if run:
            end_run(*run[0], t00, stopped)


def _file_name(prepared: Any) -> str | None:
    """The name of the file an image was read from (a path or `ImageSource`), else None."""
    source = getattr(prepared, "source", None)
    path = getattr(source, "path", None)
    series = (getattr(source, "metadata", None) or {}).get("series")
    return image_name(path, series) if path else None


def _train(sources: list[tuple[Any, Any]], t00: float, budget: float | None,
           run: list[tuple[SDAPModel, TrainingRun]], *, names: list[str | None], preset: str,
           steps: int | None, stride: int | str, seed: int, device: str,
           model: SDAPModel | None, validation: float, dims: int | str, along: str | None,
           finish_stopped: bool, **overrides: Any) -> Iterator[TrainProgress]:
    view = sources[0][1]
    check_no_whitening(overrides)
    if not (isinstance(stride, str) and stride == "auto"):
        if not is_whole(stride):
            raise ConfigError(f"stride must be 'auto' or an integer 1..8 (got {stride!r})")
        stride = int(stride)  # (a numpy integer, from np.arange in a notebook, is one too)
    if model is not None:  # a config or weights edited by hand: refused first, as denoising
        model.check_state("train further", training=False)  # and saving refuse them
    fresh = model is None or model.normalization is None
    given = model is not None  # (its dims apply)
    if model is not None:
        model.source = None  # trained further: no longer the file it was loaded from
    prior = model.whitening if model is not None else None  # trained so before, or set by hand
    if prior is not None:
        sources = whiten_sources(sources, prior)
    noise = estimate_noise(sources, seed=seed) if stride == "auto" and fresh else None
    may = (noise is not None and prior is None and not noise.flat_white  # texture, not noise
           and may_whiten(model and model.config, dims, overrides))
    white = (choose_whitening(noise.correlation_x, noise.correlation_y, noise.sixteenth)
             if may else None)
    if white is not None:
        sources = whiten_sources(sources, white)
        log.info("%s", white.explain(noise.correlation_x, noise.correlation_y))
        noise = replace(noise, stride=1, mode="bsn", whitened=white.axis,
                        loss=choose_loss(1, noise.skew, noise.dark_clip, noise.counts))
    if model is None:
        name = pick_preset(preset, device, [v for _, v in sources])
        chosen = noise.stride if noise else stride
        if noise and "loss" not in overrides:  # the loss the noise calls for (`choose_loss`)
            overrides = {**overrides, "loss": noise.loss}
        cfg = config_from_preset(name, view.channels, steps=steps, seed=seed, device=device,
                                 **{**round_patch(overrides, chosen), "stride": chosen})
        net = cfg.network
        z_given = net.z_step if overrides.get("z_step") is not None else None
        along = along or "Z"
        picked, z_step, why = choose_volume(dims, sources, along, net.z_context, z_given, seed)
        log.info("%s", why)
        cfg = config_from_preset(name, view.channels, steps=steps, seed=seed, device=device,
                                 **{**round_patch(overrides, chosen), "stride": chosen,
                                    "dims": picked, "along": along, "z_step": z_step})
        cfg = with_patch(cfg, sources)
        check_student_mode(cfg)
        model = SDAPModel(cfg)
        model.record.dims = why
        model.record.noise = noise_record(noise, cfg.training.loss)
        model.normalization = compute_normalization(
            sources, cfg.normalization, seed, [printable(n) if n else None for n in names])
    else:
        continue_settings(model, sources, noise.stride if noise else stride, steps=steps,
                          preset=preset, dims=dims, fresh=fresh, overrides=overrides,
                          noise=noise, along=along)
    if white is not None:
        model.config.inference = model.config.inference.model_copy(
            update={"whiten_axis": white.axis, "whiten_coef": white.coef})
    if fresh and steps is None:  # a first training: preset steps for a teacher on its own
        model.config = steps_alone(model.config)
    cfg = model.config
    sources = volume_sources(sources, cfg.network, given=given)
    dev = resolve_device(device)
    validate, rows = None, None
    if validation_on(validation):
        bands, edge = holdout_rows([v.height for _, v in sources], validation,
                                   cfg.training.patch_size, cfg.training.stride)
        rows = [(0, v.height - b) for (_, v), b in zip(sources, bands, strict=True)]
        validate = Validator(sources, model.normalization, bands, edge, cfg.training.stride,
                             cfg.training.loss, cfg.training.batch_size, cfg.seed)
    sampler = PatchSampler(sources, model.normalization, cfg.training.patch_size,
                           seed=cfg.seed + model.record.steps, augment=cfg.training.augment,
                           rows=rows)
    if model.record.steps == 0 and cfg.training.stride == 1:  # start on the data's scale
        # (not for RSG at stride > 1: there it cost 0.7-0.85 dB after 250 `fast` steps on
        # PolyU chair_14 and Set12 01 with correlated noise; docs/reliability.md)
        probe = PatchSampler(sources, model.normalization, cfg.training.patch_size,
                             seed=cfg.seed + _MEAN_SEED, augment=False).sample(_MEAN_PATCHES)
        model.network.start_at(torch.from_numpy(probe))
    model.record.trained_on.extend(  # (the file's name, as the CLI records it, where read from
        printable(f"{n}: {v.axes} {list(v.shape)}") if n else f"{v.axes} {list(v.shape)}"
        for n, (_, v) in zip(names, sources, strict=True))  # one, `caf\xe9.tif` printable)
    model.student = None  # a student of the teacher before this training no longer applies
    model.record.student_steps, model.record.student_losses = 0, []
    model.record.student_fidelity = None
    model.record.student_check = None
    model.record.target_blur = None
    extra = cfg.student.student_steps if wants_student(cfg) else 0
    t0 = time.perf_counter()
    start = model.record.steps
    run.append((model, begin_run(model, budget, validation, dev)))  # (each: another model)
    try:
        teacher_s = None if budget is None else (
            budget * (TEACHER_SHARE if extra else 1.0) - (time.perf_counter() - t00))
        for rec in run_training(model.network, cfg.training, sampler, dev, cfg.seed, start,
                                seconds=teacher_s, validate=validate,
                                val_every=max(1, cfg.training.steps // 50)):
            model.record.steps = rec.step
            run[0][1].steps = rec.step - start
            model.record.final_loss = rec.loss
            note_precision(model, rec.precision, first=rec.step == start + 1)
            if len(model.record.losses) < _LOSS_HISTORY:
                model.record.losses.append(round(rec.loss, 6))
            yield TrainProgress(**{**asdict(rec), "steps": rec.steps + extra,
                                   "eta_s": eta_left(rec, extra, budget, t00)}, model=model)
    except (GeneratorExit, KeyboardInterrupt):  # stopped early (the loop left, or Ctrl-C: a
        # notebook's stop button, which lands inside a step): the model keeps what it learned,
        # curve, output blur and mix included (a Ctrl-C left no curve: no detail restore, off
        # the input's mean)
        finish_stopped = finish_stopped and not exiting()  # (at exit: no one uses it)
        try:
            if finish_stopped:
                finish_curve(model, sources, dev, start)
        finally:
            without_student(model)  # (its student was dropped above, and none is distilled)
        if finish_stopped:
            finish_output(model, sources, dev, start, stopped=True)
        raise
    except BaseException:
        without_student(model)  # (a failed step: as stopped, the model has no student)
        raise
    else:
        targets = finish_curve(model, sources, dev, start)
    finally:
        model.record.seconds += time.perf_counter() - t0
        model.network.to("cpu")
    if extra:
        yield from student_stage(model, sources, dev, start, targets, budget, t00,
                                 finish_stopped)
    finish_output(model, sources, dev, start)


def train(image: Any, axes: str | Sequence[str | None] | None = None, *, preset: str = "auto",
          steps: int | None = None, stride: int | str = "auto", seed: int | None = None,
          device: str = "auto",
          model: SDAPModel | None = None, time_budget: float | None = None,
          validation: float = 0.0, dims: int | str | None = None, along: str | None = None,
          **overrides: Any) -> SDAPModel:
    """Train SDAP on `image` and return the model (see `iter_train` for the arguments)."""
    last = None
    for rec in iter_train(image, axes, preset=preset, steps=steps, stride=stride, seed=seed,
                          device=device, model=model, time_budget=time_budget,
                          validation=validation, dims=dims, along=along,
                          finish_stopped=isinstance(model, SDAPModel), **overrides):
        last = rec  # (a new model stopped by Ctrl-C is lost with the exception: not finished)
    if last is None or last.model is None:
        raise ConfigError("training ran no step; give steps >= 1")
    return last.model
