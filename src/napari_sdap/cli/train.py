"""`napari-sdap train`, and the training step shared with `denoise --train`."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from napari_sdap.cli.discover import file_series, find_inputs
from napari_sdap.cli.report import Reporter
from napari_sdap.cli.safety import check_apart, check_model_file
from napari_sdap.errors import ConfigError, DiskFullError, InputError, OutputError, SdapError
from napari_sdap.paths import broken_link, long_name, printable, sha256_file

__all__ = ["open_inputs", "run_train", "train_on", "train_settings"]


def open_inputs(paths: list[Path], axes: str | None, rep: Reporter, series: int | None = None
                ) -> tuple[list[Any], dict[Path, str]]:
    """Open every input lazily; returns (sources, {path: error}) and reports each bad file."""
    from napari_sdap.api.inputs import open_image

    sources, bad = [], {}
    for path in paths:
        try:
            sources.append(open_image(path, axes, series=file_series(path, series)))
        except SdapError as err:
            bad[path] = str(err)
            rep.error(str(path), str(err))
        except Exception as err:  # a decoder failing on a corrupted file
            bad[path] = f"{type(err).__name__}: {err}"
            rep.error(str(path), bad[path])
    return sources, bad


def _stride(text: str) -> int | str:
    if text == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 8:
        raise ConfigError(f"--stride must be 'auto' or an integer 1..8 (got {text!r})")
    return value


def train_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The training options given on the command line (recorded, and used to resume)."""
    settings = {k: getattr(args, k, None) for k in (
        "axes", "preset", "steps", "seed", "stride", "patch_size", "batch_size", "width",
        "blocks", "channel_mode")}
    if getattr(args, "series", None) is not None:  # only when given: older records stay valid
        settings["series"] = args.series
    if getattr(args, "no_student", False):
        settings["student"] = False
    if getattr(args, "check_student", None) is not None:
        settings["student_check"] = args.check_student
    if getattr(args, "target_blur", None) is not None:  # only when given: as above
        settings["target_blur"] = args.target_blur
    if getattr(args, "time_budget", None) is not None:
        settings["time_budget"] = args.time_budget
    if getattr(args, "precision", None) is not None:  # only when given: older records stay valid
        settings["precision"] = args.precision
    if getattr(args, "loss", None) is not None:  # only when given: as above
        settings["loss"] = args.loss
    if getattr(args, "frames", False):  # only when given: as above
        settings["frames"] = True
    if getattr(args, "no_whiten", False):  # only when given: as above
        settings["whiten"] = False
    settings.update(noise_options(args))  # only when given: as above
    if getattr(args, "dims", "2") != "2":  # only when given: older records stay valid
        settings.update(dims=args.dims, along=args.along, z_context=args.z_context)
    elif getattr(args, "z_context", None) is not None:
        settings["z_context"] = args.z_context
    if getattr(args, "z_step", None) is not None:  # only when given: as above
        settings["z_step"] = args.z_step
    return settings


_OVERRIDES = ("width", "blocks", "patch_size", "batch_size", "channel_mode", "student",
              "student_check", "target_blur", "z_context", "z_step", "frames", "whiten",
              "precision", "loss", "noise_std", "noise_gain", "noise_offset")
"""The `train_settings` that are config fields, passed to `iter_train` as flat overrides."""


def noise_options(args: argparse.Namespace) -> dict[str, float]:
    """The known noise options given (--noise-std, --noise-gain, --noise-offset)."""
    given = {k: v for k in ("noise_std", "noise_gain", "noise_offset")
             if (v := getattr(args, k, None)) is not None}
    if given and "noise_std" not in given:
        named = " and ".join("--" + k.replace("_", "-") for k in given)
        verb = "needs" if len(given) == 1 else "need"
        raise ConfigError(f"{named} {verb} --noise-std as well (the read noise; 0 for pure "
                          f"Poisson noise)")
    return given


def _check_files(sources: list[Any], channel_mode: str, along: str | None, context: int = 1,
                 step: int = 1) -> None:
    """Files of any axes train one model, but their channels must agree (names the pair); with
    `--dims 3` (`along` given) each must hold a stack along `along` (names the first that does
    not, in the CLI's options)."""
    from napari_sdap.api.inputs import prepare
    from napari_sdap.api.volume import volume_view

    first, layout = sources[0], None
    for s in sources:
        try:
            view = prepare(s, s.axes, channel_mode).view
        except InputError as err:  # a bad file among many: say which
            text = str(err)
            raise InputError(text if text.startswith(str(s.path)) else f"{s.path}: {text}"
                             ) from None
        if layout is None:
            layout = (view.channels, view.n_channel_groups)
        elif (view.channels, view.n_channel_groups) != layout:
            raise InputError(
                f"the training files need the same channels, but {first.path} "
                f"({first.axes} {list(first.array.shape)}) and {s.path} ({s.axes} "
                f"{list(s.array.shape)}) differ; train one model per channel layout "
                f"(separate runs)")
        if along is not None:
            try:
                volume_view(view, along, context, step)
            except InputError as err:
                text = _cli_words(str(err).replace("along=", "--along "))
                raise InputError(f"{s.path}: {text}") from None


def train_on(sources: list[Any], args: argparse.Namespace, rep: Reporter) -> Any:
    """Train a model on `sources` (ImageSource list) with the options in `args`."""
    from napari_sdap.api import iter_train
    from napari_sdap.api.inputs import image_name

    dims = getattr(args, "dims", "2")
    _check_files(sources, args.channel_mode or "auto",
                 getattr(args, "along", "Z") if dims == "3" else None,
                 getattr(args, "z_context", None) or 1, getattr(args, "z_step", None) or 1)
    settings = train_settings(args)
    overrides = {k: settings[k] for k in _OVERRIDES if settings.get(k) is not None}
    t0 = time.perf_counter()
    # (the sources themselves, not their arrays: training then names each file where it
    # speaks of one, as the training images on very different scales)
    progress = iter_train(list(sources), [s.axes for s in sources],
                          preset=args.preset, steps=args.steps, stride=_stride(args.stride),
                          seed=args.seed, device=args.device,
                          time_budget=getattr(args, "time_budget", None),
                          dims=dims if dims == "auto" else int(dims),
                          along=getattr(args, "along", "Z"), **overrides,
                          finish_stopped=False)  # (Ctrl-C: this process ends with the model)
    model = None
    budget = getattr(args, "time_budget", None)
    try:
        for p in _named(progress, sources):
            model = _report(p, model, sources, rep, budget)
    finally:
        rep.end_item()
    if model is None:  # pragma: no cover - iter_train always yields at least one step
        raise ConfigError("training ran no steps; pass --steps 1 or more")
    model.record.trained_on = [  # (a name not in UTF-8, `caf\xe9.tif`, as printable text)
        printable(f"{image_name(s.path, s.metadata.get('series'))}: {s.axes} "
                  f"{list(s.array.shape)}") for s in sources]
    student = (f" + student {model.record.student_steps} steps" if model.student is not None
               else "")
    planned = model.config.student.student_steps
    if student and model.record.student_steps > planned:  # (the plan line named `planned`)
        student += (f" (two rounds of up to {planned}: the held-out check doubted the first, "
                    f"not clearly worse than the blind-spot network)")
    within = "" if budget is None else f" (--time-budget {budget:g} s)"
    rep.info(f"trained {model.record.steps} steps{student} in "
             f"{rep.format_seconds(time.perf_counter() - t0)}{within}, final loss "
             f"{model.record.final_loss:.4f}")
    return model


def _named(progress: Iterator[Any], sources: list[Any]) -> Iterator[Any]:
    """`progress`, with "training image K of N" in its errors replaced by that file's path."""
    try:
        yield from progress
    except InputError as err:
        text = re.sub(r"training image (\d+) of \d+",
                      lambda m: str(sources[int(m.group(1)) - 1].path), str(err))
        raise InputError(_cli_words(text)) from None


_CLI_WORDS = ((r"\buse dims=2\b", "use --dims 2"),
              (r"\bsmaller z_context\b", "smaller --z-context"),
              (r"\bsmaller z_step\b", "smaller --z-step"),
              (r"\bz_step=1 to use\b", "--z-step 1 to use"),
              (r"\bgive axes with ([ZT]),", r"give the image's \1 axis with --axes (e.g. "
               r"--axes \1YX for a plain stack of planes),"))
"""API settings named in training errors, and the options of `train` that give them."""


def _cli_words(text: str) -> str:
    """`text` with the fixes it names as options of this command (`_CLI_WORDS`)."""
    for api, cli in _CLI_WORDS:
        text = re.sub(api, cli, text)
    return text


def _report(p: Any, model: Any, sources: list[Any], rep: Reporter,
            budget: float | None = None) -> Any:
    """Show one training step (the first: what is trained, its steps as upper bounds under a
    time `budget`, which fits them); returns the model."""
    if model is None:
        from napari_sdap.api import describe_noise
        from napari_sdap.api.volume import PLANES_2D

        model = p.model
        rep.info(describe_noise(model.record.noise))
        if model.record.dims and model.record.dims != PLANES_2D:  # (a 3-D choice, or why
            rep.info(model.record.dims)  # a stack might want one)
        n = model.config.network
        teacher = model.config.training.steps  # (the steps counted include the student's)
        steps = (f"{teacher} + {p.steps - teacher} student steps" if 0 < teacher < p.steps
                 else f"{p.steps} steps")
        if budget is not None:  # ("250 + 500 student steps" read as what would run: 6 + 6 did)
            steps = f"at most {steps}, as many as fit in --time-budget {budget:g} s"
        rep.info(f"training preset {n.preset} (width {n.width}, {n.blocks} blocks, stride "
                 f"{model.config.training.stride}) on {len(sources)} file(s), {steps}")
        rep.start_item("training", p.steps, unit="step")
    rep.item_progress(p.step, p.steps, f"{p.stage} loss {p.loss:.4f}")
    return model


_API_TAIL = ", then save again (the model is still in memory; "


def save_model(model: Any, path: Path, overwrite: bool,
               fix: str = "run the command again with another --model name, or with "
                          "--overwrite to replace that file") -> None:
    """`model.save`, failing in the command line's words: the process ends, and the model it
    trained with it (the API's "save again, the model is still in memory" is not so here).
    A file that appeared at `path` during the training (checked absent before it) was saved
    there by another run or process: said so, not "already exists; pass overwrite=True"."""
    if not overwrite and os.path.lexists(path):
        raise OutputError(f"model file {path} was saved by another run or process while this "
                          f"one trained (it was not there when the training began); it was left "
                          f"unchanged, and the model trained in this run is not saved and is "
                          f"lost with it: {fix}")
    try:
        model.save(path, overwrite=overwrite)
    except OutputError as err:
        text = str(err)
        if _API_TAIL not in text:
            raise
        raise OutputError(f"{text.split(_API_TAIL)[0]}, then run the command again: the model "
                          f"trained in this run could not be saved and is lost with it (an "
                          f"existing file of that name was left unchanged)") from None


FULL = 16 << 10
"""Free bytes under which a disk is full for a model file (the smallest, width 8: ~20 kB)."""


def check_room(path: Path, option: str) -> None:
    """Refuse to train for a model file `path` on a full disk: its save failed after the
    training, which was lost with the process (minutes to hours)."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return  # (the save reports it)
    if free < FULL:
        raise DiskFullError(f"the disk of {path.parent} is full ({free} bytes free), where the "
                            f"model {path.name} would be saved after its training; free some "
                            f"space or choose a folder on another disk ({option}); nothing was "
                            f"trained")


def run_train(args: argparse.Namespace, rep: Reporter) -> int:
    """`napari-sdap train INPUT... --model OUT`."""
    from napari_sdap.api.model_name import check_model_name

    out = Path(args.model)
    if why := long_name(out, "--model file"):  # (first: stat raises on such a name)
        raise OutputError(why)
    check_apart(out, args.inputs, "--model")
    check_model_name(out)  # before minutes of training
    check_model_file(args.model)
    if out.exists() and not args.overwrite:
        raise OutputError(f"model file {out} already exists; pass --overwrite or choose another "
                          f"--model name")
    if not args.overwrite and (why := broken_link(out, "model file", "--overwrite")):
        raise OutputError(why)  # (before minutes of training: its save would fail on it)
    if not out.parent.is_dir():
        raise OutputError(f"folder {out.parent} does not exist; create it or choose another "
                          f"--model path")
    try:  # before minutes of training: a model the process cannot save is lost with it
        tempfile.TemporaryFile(dir=out.parent).close()
    except OSError as err:
        raise OutputError(f"cannot write into {out.parent} ({err.strerror or err}); make the "
                          f"folder writable or choose another --model path") from None
    check_room(out, "--model")
    paths = find_inputs(args.inputs, exclude=[out], note=rep.warning)
    sources, bad = open_inputs(paths, args.axes, rep, series=args.series)
    if bad:
        rep.error("", f"{len(bad)} of {len(paths)} input(s) could not be read; no model written")
        return 1
    model = train_on(sources, args, rep)
    save_model(model, out, args.overwrite)
    rep.summary(f"saved {out} (sha256 {sha256_file(out)})")
    return 0
