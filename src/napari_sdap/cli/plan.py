"""Deciding, file by file, what a denoise run does: skip, redo, refuse; and the model it uses."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from napari_sdap.cli.discover import file_series, output_path
from napari_sdap.cli.jobs import FileTask
from napari_sdap.cli.ownership import new_attempt
from napari_sdap.cli.pieces import remove_scratch
from napari_sdap.cli.qc import companion_names
from napari_sdap.cli.record import RunRecord, file_fingerprint, settings_key
from napari_sdap.cli.report import Reporter
from napari_sdap.cli.retrain import (
    check_set_aside,
    foreign_model,
    made_with,
    not_ours,
    refusal,
    set_aside,
)
from napari_sdap.cli.train import (
    check_room,
    noise_options,
    open_inputs,
    save_model,
    train_on,
    train_settings,
)
from napari_sdap.cli.unused_options import unused_training_options
from napari_sdap.errors import ConfigError, ModelFileError, OutputError
from napari_sdap.paths import NAME_MAX, hidden_stem, printable, sha256_file

__all__ = ["MODEL_NAME", "Plan", "make_plan", "prepare_model"]

MODEL_NAME = "sdap_model.safetensors"
"""Where `denoise --train` saves the model it trains, inside the output folder."""


@dataclass
class Plan:
    """The files of one run."""

    tasks: list[tuple[FileTask, Path, dict[str, int]]] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    done: list[tuple[FileTask, Path]] = field(default_factory=list)
    """The skipped inputs' tasks as they were run (for a quality check asked for now)."""
    failed: dict[Path, str] = field(default_factory=dict)


def check_model_options(args: argparse.Namespace) -> None:
    """Refuse options that cannot go together, and a `--model` that is not there, before any
    folder or record is made (a typo in the model's name left an empty output folder)."""
    if args.retrain and not args.train:
        raise ConfigError("--retrain goes with --train (it replaces the model --train made)")
    if not args.train and noise_options(args):
        raise ConfigError("--noise-std, --noise-gain and --noise-offset go with --train: a "
                          "model keeps the noise level it was trained with (train one with "
                          "them, or leave them out)")
    if not args.train and not Path(args.model).exists():
        raise ModelFileError(f"model file {args.model} does not exist; check the path")


def check_mode(args: argparse.Namespace) -> None:
    """Refuse a `--model` that cannot be loaded (damaged, another format: it left an output
    folder holding an empty run record), and `--mode student` with one that has no student,
    before any folder or record is made (the API's message names its Python option)."""
    check_model_options(args)
    if args.train:
        return
    from napari_sdap.api import load_model

    model = load_model(Path(args.model))
    if args.mode == "student" and model.student is None:
        raise ConfigError(f"--mode student needs a model with a distilled student, and "
                          f"{args.model} has none (training distils one for white noise, unless "
                          f"--no-student); use --mode auto, or sdap_e, sdap or bsn")


def prepare_model(args: argparse.Namespace, paths: list[Path], record: RunRecord,
                  outdir: Path, rep: Reporter) -> tuple[Any, Path, str, dict[Path, str]]:
    """Load `--model`, or with `--train` train on the inputs (reusing an earlier run's model).

    Returns (model, model path, sha256, {bad input: error}).
    """
    from napari_sdap.api import load_model

    check_model_options(args)
    if not args.train:
        path = Path(args.model)
        if unused := unused_training_options(args):
            rep.warning(str(path), f"{', '.join(unused)} set how --train trains a model; with "
                                   f"--model, which is trained already, they are not used")
        model = load_model(path)
        return model, path, sha256_file(path), {}
    path = outdir / MODEL_NAME
    if path.exists() and not path.is_file():  # before any output is moved or model trained
        raise OutputError(f"{path} is a folder (or not a file), where --train keeps its model; "
                          f"move it away, or give another --output folder")
    if path.is_symlink() and not path.exists():  # (its save failed after the training)
        raise OutputError(f"{printable(path)} is a link to {printable(os.readlink(path))}, which "
                          f"does not exist, where --train keeps its model; remove the link, or "
                          f"give another --output folder")
    step = max(1, len(paths) / args.train_max_files)
    chosen = [paths[int(k * step)] for k in range(min(len(paths), args.train_max_files))]
    earlier = _resolved(record.data.get("trained_model") or {},
                        [run.get("cwd") for run in record.data.get("runs") or []])
    prints = {os.path.realpath(p): file_fingerprint(p) for p in chosen}
    skipped = earlier.get("unreadable") or {}  # (unchanged since: the model never saw them)
    wanted = {"inputs": {k: v for k, v in prints.items() if skipped.get(k) != v},
              "settings": given_settings(train_settings(args))}
    current = sha256_file(path) if path.is_file() else None
    if current and earlier.get("sha256") == current and all(
            earlier.get(k) == v for k, v in wanted.items()):
        rep.info(f"reusing {path}, trained on the same inputs in an earlier run"
                 + ("; nothing changed, so --retrain has nothing to do" if args.retrain else ""))
        return load_model(path), path, current, {}
    made = made_with(record, outdir, earlier.get("sha256"))
    if path.exists() and current != earlier.get("sha256") and not made:
        raise foreign_model(path, changed=bool(earlier))
    if made and not args.retrain:
        raise refusal(path, made, earlier, wanted)
    if earlier and args.retrain and (made or path.exists()):
        check_set_aside(outdir)  # (before the training: after it, the new model was lost)
    outputs = [output_path(p, outdir, args.format, file_series(p, args.series)) for p in paths]
    if not args.overwrite and (err := not_ours(record, outputs, earlier.get("sha256"))):
        raise err  # (before the training, not file by file after it)
    check_room(path, "--output")  # (before the training: a model not saved is lost)
    sources, bad = open_inputs(chosen, args.axes, rep, series=args.series)
    if not sources:
        raise OutputError("none of the training inputs could be read; nothing was trained")
    model = train_on(sources, args, rep)
    failed = {os.path.realpath(p) for p in bad}
    wanted["inputs"] = {k: v for k, v in prints.items() if k not in failed}  # trained on
    unreadable = {k: prints[k] for k in failed}
    previous = list(earlier.get("previous") or [])
    if earlier and args.retrain and (made or path.exists()):
        previous.append(set_aside(record, outdir, path, earlier, made))
        rep.info(f"kept the earlier model and its {len(made)} output(s) in "
                 f"{outdir / previous[-1]['folder']}")
    elif path.exists():
        rep.info(f"replacing {path}: its training set changed and no output was made with it")
    save_model(model, path, bool(earlier),  # (only ever over this batch's own model)
               fix="move that file out of the output folder and run the command again")
    sha = sha256_file(path)
    record.data["trained_model"] = {"path": path.name, "sha256": sha, **wanted,
                                    **({"unreadable": unreadable} if unreadable else {}),
                                    **({"previous": previous} if previous else {})}
    record.save()
    rep.info(f"saved {path} (sha256 {sha})")
    return model, path, sha, bad


_DEFAULTS = {"precision": "auto", "student_check": True, "target_blur": 0.0, "z_context": 1,
             "channel_mode": "auto"}
"""Training options whose value given on the command line is the one taken without them."""


def given_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The training options that change the model: a rerun that spelt out a default
    (`--precision auto`, `--check-student`, `--target-blur 0`, `--z-context 1`) was refused
    as "training options changed: precision (not given) -> 'auto'", and so was a rerun
    without one that the first run had spelt out."""
    return {k: v for k, v in settings.items()
            if v is not None and not (k in _DEFAULTS and v == _DEFAULTS[k])}


def _resolved(trained: dict[str, Any], cwds: list[Any]) -> dict[str, Any]:
    """The record's `trained_model` with its inputs (and unreadable inputs) named by their real
    absolute paths, as this run names its own: records written before named them as typed,
    relative to the folder of one of their runs (`cwds`), and `$PWD/set`, `set` and a linked
    folder were other inputs to the comparison."""
    bases = [c for c in cwds if isinstance(c, str)] or [os.getcwd()]

    def real(name: str) -> str:
        if os.path.isabs(name):
            return os.path.realpath(name)
        found = [os.path.realpath(os.path.join(b, name)) for b in bases]
        return next((f for f in found if os.path.exists(f)), found[0])

    out = dict(trained)
    if isinstance(out.get("settings"), dict):
        out["settings"] = given_settings(out["settings"])
    for name in ("inputs", "unreadable"):
        if isinstance(out.get(name), dict):
            out[name] = {real(k): v for k, v in out[name].items() if isinstance(k, str)}
    return out


def hidden_names(folder: Path) -> list[str]:
    """The hidden entries of `folder`, listed once for many `remove_leftovers` calls."""
    try:
        with os.scandir(folder) as entries:
            return [e.name for e in entries if e.name.startswith(".")]
    except OSError:
        return []


def remove_leftovers(out: Path, hidden: list[str] | None = None) -> None:
    """Delete temporaries a killed run left for `out` (hidden `.<name>.partial-*`, scratch);
    an output a killed `--overwrite` had set aside (`.<name>.old-*`) is put back where the
    new one never arrived, else deleted. `hidden`: the folder's `hidden_names`, where a batch
    looks for every output's (each call listed the whole folder: a plan of N files into a
    folder of N outputs cost N², 20 ms a file at 20 000)."""
    import glob
    import shutil

    name = hidden_stem(out.name)
    if hidden is None:
        name = glob.escape(name)  # `b[1].tif`: brackets are not a pattern
        found = [*out.parent.glob(f".{name}.partial-*"), *out.parent.glob(f".{name}.old-*")]
    else:
        found = [out.parent / n for kind in ("partial", "old") for n in hidden
                 if os.path.normcase(n).startswith(os.path.normcase(f".{name}.{kind}-"))]
    for stale in found:
        if ".old-" in stale.name and not out.exists() and not out.is_symlink():
            os.replace(stale, out)
        elif stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    remove_scratch(str(out))


def run_settings(model: Any, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """(SDAPConfig as used, key of the settings that change the output pixels)."""
    cfg = model.config.model_dump(mode="json")
    cfg["inference"]["mode"] = args.mode
    cfg["tiling"]["tile"] = args.tile
    cfg["tiling"]["compile"] = args.compile
    cfg["inference"]["restore_detail"] = not args.no_detail
    cfg["inference"]["flips"] = args.flips
    cfg["device"] = args.device
    key = settings_key({"mode": model.resolve_mode(args.mode),
                        "pd_stride": model.config.inference.pd_stride,
                        "detail": not args.no_detail and model.noise_curve is not None,
                        "channel_mode": model.config.channel_mode,
                        "axes": args.axes, "format": args.format, "dtype": "float32",
                        **({"flips": args.flips} if args.flips != 1 else {})})
    # (--series is not a setting of the pixels: a file of several series names it in its
    # output, `discover.output_path`, and a file of one ignores it)
    return cfg, key


def name_problem(name: str) -> str | None:
    """Why the output name `name` cannot be used (it or a name written or removed next to it,
    `qc.companion_names`, is over the file-name limit), or None."""
    longest = max([name, *companion_names(name)], key=lambda n: len(os.fsencode(n)))
    size = len(os.fsencode(longest))  # (the bytes on disk, a name not in UTF-8 too)
    if size <= NAME_MAX:
        return None
    extra = size - len(os.fsencode(name))
    what = (f"would be {size} bytes long" if longest == name else
            f"is {len(os.fsencode(name))} bytes long, and {longest[:12]}...{longest[-20:]} next "
            f"to it would be {size}")
    return (f"its output name {name[:40]}... {what}, over the {NAME_MAX} a file name may "
            f"have; give the input a shorter name (at most {NAME_MAX - extra} bytes for the "
            f"output name)")


def make_plan(paths: list[Path], outdir: Path, record: RunRecord, model_path: Path,
              model_sha: str, key: str, settings: dict[str, Any], args: argparse.Namespace,
              bad: dict[Path, str], rep: Reporter) -> Plan:
    """Decide for every input whether it is skipped, (re)done or refused."""
    plan = Plan(failed=dict(bad))
    hidden = hidden_names(outdir)  # (the folder is this run's alone: `cli.lock`)
    for path in paths:
        if path in bad:
            continue
        series = file_series(path, args.series)
        out = output_path(path, outdir, args.format, series)
        if too_long := name_problem(out.name):
            plan.failed[path] = too_long
            rep.error(str(path), plan.failed[path])
            continue
        remove_leftovers(out, hidden)
        fingerprint = file_fingerprint(path)
        verdict = record.verdict(out, fingerprint, model_sha, key, args.overwrite, str(path))
        task = FileTask(input=str(path), output=str(out), model_path=str(model_path),
                        model_sha256=model_sha, axes=args.axes, mode=args.mode,
                        series=series, tile=args.tile, compile=args.compile,
                        detail=not args.no_detail, flips=args.flips, device=args.device,
                        replace=verdict.replace or args.overwrite,
                        provenance={"settings": settings, "attempt": new_attempt()})
        if verdict.action == "skip":
            plan.skipped.append(path)
            plan.done.append((task, path))
        elif verdict.action == "refuse":
            plan.failed[path] = verdict.reason
            rep.error(str(path), verdict.reason)
        else:
            plan.tasks.append((task, path, fingerprint))
    return plan
