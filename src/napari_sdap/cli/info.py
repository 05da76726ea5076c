"""`napari-sdap info MODEL`: what a model file holds."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from napari_sdap.cli.report import Reporter, shown_text
from napari_sdap.config import wants_student
from napari_sdap.paths import sha256_file

__all__ = ["describe_model", "run_info"]


def describe_model(path: Path) -> dict[str, Any]:
    """Everything worth knowing about a model file, as plain JSON-able data."""
    from napari_sdap.api import describe_noise, load_model
    from napari_sdap.api.bmz.read import is_package
    from napari_sdap.api.loading import model_file_meta

    model = load_model(path)  # validates checksum, settings and weights
    package = is_package(path)  # a bioimage.io package exported by napari-sdap
    meta = {"format_version": "bioimage.io package"} if package else model_file_meta(path)
    record = model.record.model_dump(mode="json")
    losses = record.pop("losses", [])
    student_losses = record.pop("student_losses", [])
    return {
        "file": str(path),
        "size_bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "format_version": meta.get("format_version"),
        "parameters": model.parameters,
        "summary": repr(model),
        "inference_mode": model.resolve_mode("auto"),
        "config": model.config.model_dump(mode="json"),
        "normalization": (model.normalization.model_dump(mode="json")
                          if model.normalization is not None else None),
        "record": {**record, "loss_points": len(losses),
                   "first_loss": losses[0] if losses else None,
                   "student_final_loss": student_losses[-1] if student_losses else None},
        "student": ({"width": model.student.width, "dilations": list(model.student.dilations),
                     "parameters": sum(p.numel() for p in model.student.parameters())}
                    if model.student is not None else None),
        "student_wanted": wants_student(model.config),
        "noise": describe_noise(model.record.noise),
        "detail": model.describe_detail(),
        "noise_curve": model.noise_curve.model_dump() if model.noise_curve else None,
        "versions": model.record.versions,
    }


def _g(value: Any) -> str:
    """A loss as people read it: four significant digits (`none` when not recorded)."""
    return "none" if value is None else f"{value:.4g}"


def _student(info: dict[str, Any]) -> str:
    """The student's line: what it is, or why the model has none."""
    from napari_sdap.api.distillation import MAX_FIDELITY, WORSE

    rec, s = info["record"], info["student"]
    planned = info["config"]["student"]["student_steps"]
    if s:
        ran = rec["student_steps"]
        return (f"width {s['width']}, dilations {s['dilations']}, {s['parameters']:,} "
                f"parameters, {ran} steps" + (f" of the {planned} configured (stopped, or a "
                                              f"time budget)" if ran < planned else "")
                + f", final loss {_g(rec['student_final_loss'])}, "
                  f"{rec['student_seconds']:.1f} s")
    if str(info["format_version"]).startswith("1.0"):  # (students came with format 1.1)
        why = "a format 1.0 file, saved before napari-sdap distilled students"
    elif not info["student_wanted"] or not rec["steps"]:
        why = ("not trained yet" if info["student_wanted"] else
               "none distilled: student off, or 'auto' at a stride above 1")
    elif (check := rec.get("student_check")) and check["excess"] > WORSE * check["excess_se"]:
        why = (f"dropped: worse than the blind-spot network on held-out pixels (error "
               f"{100 * check['excess']:+.1f} % of the noise variance)")
    elif (far := rec.get("student_fidelity")) is None:  # (no finite score: no step, or NaN)
        why = "the distillation stopped before half of its steps, or diverged" + (
            "" if rec.get("runs") else ", or the model was saved before napari-sdap distilled "
            "students (format 1.0)")  # (a 1.0 file exported: its package holds a 1.1 file)
    elif info["config"]["student"]["student_check"] or far <= MAX_FIDELITY:  # (not judged)
        why = "the distillation stopped before half of its steps"
    else:
        why = (f"dropped: it stayed {100 * far:.0f} % of the noise away from the blind-spot "
               f"network's result")
    return f"none ({why}; the blind-spot network denoises)"


def _lines(info: dict[str, Any]) -> list[str]:
    cfg, rec = info["config"], info["record"]
    net, tr = cfg["network"], cfg["training"]
    out = [
        f"model     {info['file']} ({info['size_bytes'] / 1e6:.2f} MB, format "
        f"{info['format_version']})",
        f"sha256    {info['sha256']}",
        f"network   {net['preset']}: width {net['width']}, blocks {net['blocks']}, "
        f"{net['in_channels']} channel(s), {info['parameters']:,} parameters"
        + (f"; 3-D along {net['along']}: {net['z_context']} plane(s) of context each side, "
           f"{net['z_step']} apart" if net.get("dims") == 3 else ""),
        f"training  {rec['steps']} steps (config {tr['steps']}), stride {tr['stride']}, patch "
        f"{tr['patch_size']}, batch {tr['batch_size']}, loss {tr['loss']}, seed {cfg['seed']}",
        f"          final loss {_g(rec['final_loss'])}, {rec['seconds']:.1f} s"
        + (f", steps in {rec['precision']}" if rec.get("precision") else "")
        + (" (the last training call's: each call's below)"
           if rec.get("precision") and len(rec.get("runs") or []) > 1 else "")
        + _held_out(rec.get("runs") or []),
        f"inference mode {cfg['inference']['mode']} -> {info['inference_mode']}, pd stride "
        f"{cfg['inference']['pd_stride']}"
        + ("" if info["inference_mode"] in ("sdap", "sdap_e") else " (for modes sdap, sdap_e)")
        + f"; channel mode {cfg['channel_mode']}"
        + (f"; input whitened along {cfg['inference']['whiten_axis']} (AR(1) coefficient "
           f"{cfg['inference']['whiten_coef']:g}), output filtered back: the noise figures "
           f"below are the whitened image's" if cfg["inference"].get("whiten_axis") else ""),
        "student   " + _student(info),
        f"noise     {info['noise']}",
        f"detail    {info['detail']}",
    ]
    check = rec.get("student_check")
    if check:
        out.insert(-2, f"          checked on {int(check['pixels']):,} held-out pixels: error "
                       f"{100 * check['excess']:+.1f} % of the noise variance against the "
                       f"teacher (standard error {100 * check['excess_se']:.1f} %)")
    blur = rec.get("target_blur")
    if blur and info["student"]:
        out.insert(-2, f"          distilled from the teacher's result blurred by "
                       f"{blur['sigma']:g} px" + (
                           f" (estimated error {100 * blur['gain']:.1f} % of the noise variance "
                           f"lower, standard error {100 * blur['gain_se']:.1f} %)"
                           if "gain" in blur else ""))
    norm = info["normalization"]
    if norm is None:
        out.append("normalisation  none (untrained model)")
    else:
        pairs = ", ".join(f"[{lo:.4g}, {hi:.4g}]" for lo, hi in zip(norm["low"], norm["high"],
                                                                     strict=False))
        out.append(f"normalisation  {pairs}")
    for item in rec.get("trained_on") or []:
        out.append(f"trained on     {item}")
    out.append("versions  " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    return out + _runs(rec.get("runs") or [], rec["steps"])


def _held_out(runs: list[dict[str, Any]]) -> str:
    """The rows a single training call held out for its validation loss (never trained on);
    with several calls, each call's line says its own (`_runs`)."""
    held = runs[0].get("validation") if len(runs) == 1 else None
    return f", {100 * held:g} % of rows held out for validation" if held else ""


def _runs(runs: list[dict[str, Any]], steps: int = 0) -> list[str]:
    """A line per training call where there were several (a first training and Continues):
    what each ran, and the settings, device, threads and versions that changed from the call
    before. Of a model trained before the calls were recorded (`record.runs`, 6 December 2026)
    and trained on since, the steps of that time come first, on a line of their own: `steps`
    (the model's in all) counts them."""
    earlier = steps - sum(run["steps"] for run in runs)
    if len(runs) < 2 and not (runs and earlier > 0):
        return []
    out = [f"runs      {earlier} steps trained before napari-sdap recorded each training "
           f"call (the record holds no settings of theirs)"] if earlier > 0 else []
    for k, run in enumerate(runs):
        teacher, student = run["training"], run["student"]
        planned = teacher["steps"]
        what = [f"{run['steps']}" + (f" of {planned}" if run["steps"] < planned else "")
                + " steps"]
        if run["student_steps"]:
            what.append(f"{run['student_steps']} student steps")
        if run["stopped"]:
            what.append("stopped")
        if run["time_budget"] is not None:
            what.append(f"time budget {run['time_budget']:g} s")
        what.append(f"{run['seconds']:.1f} s")
        if run.get("precision"):  # (None in files from before the field)
            what.append(f"in {run['precision']}")
        if run.get("validation"):
            what.append(f"{100 * run['validation']:g} % of rows held out for validation")
        if k:
            before = runs[k - 1]
            for name, now in [*teacher.items(), *student.items()]:
                old = {**before["training"], **before["student"]}.get(name)
                if name != "steps" and now != old:
                    what.append(f"{name} {old} -> {now}")
            what += [f"{name} {before[name]} -> {run[name]}" for name in ("device", "threads")
                     if None not in (run.get(name), before.get(name))
                     and run[name] != before[name]]  # (the last digits depend on them)
            what += [f"{name} {before['versions'].get(name)} -> {v}"
                     for name, v in run["versions"].items()
                     if v != before["versions"].get(name)]
        out.append(("runs      " if not out else "          ") + f"{k + 1}: " + ", ".join(what))
    return out


def run_info(args: argparse.Namespace, rep: Reporter) -> int:
    """Print the description of a model file (text, or JSON with --json)."""
    info = describe_model(Path(args.model))
    if args.json:
        print(json.dumps(info, indent=2, sort_keys=True))
    else:
        print(_encodable("\n".join(shown_text(line) for line in _lines(info))))  # (escapes)
    return 0


def _encodable(text: str) -> str:
    """`text` with the characters standard output cannot encode escaped (`\\u4e2d`): a model
    named, or trained on files named, in letters outside that encoding stopped `info` with
    "unexpected error (UnicodeEncodeError ...)" where the output is not UTF-8 (Windows' code
    page when it goes to a file, `PYTHONIOENCODING`, a C locale without Python's UTF-8 mode)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # (an encoding Python does not know: the text as it is)
        return text
