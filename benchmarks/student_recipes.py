"""Several student recipes distilled from one blind-spot teacher, per task.

For each task of `benchmarks/quality.py` (same protocol: trained on all the task's noisy
inputs, each input scored against its reference on the 8-bit scale), trains the teacher once
(`--preset`, `--steps`, `--set FIELD=VALUE`; no student), scores its own mode, then distils one
student per `--recipe` from a copy of it (`api.distillation.distil`, with the output blur and
mix chosen again as `train` does) and scores `auto` (the student where its check kept it) and
the student itself (models trained at a stride above 1 get none unless the recipe sets
`student`, as `wants_student` decides). A recipe is ``NAME:FIELD=VALUE,...`` over the
student's settings (full field names: `student_width`, ...); ``preset`` is the teacher
preset's own student and ``fast`` the `fast` preset's. One JSON line per task is printed
and appended to ``--out/TAG.jsonl``. Example::

    python benchmarks/student_recipes.py --sets fmd --only Confocal_FISH --preset fast \\
        --recipe preset --recipe "w32x1000:student_width=32,student_steps=1000"
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import numpy as np

_FAST_KEYS = ("student_width", "student_dilations", "student_steps", "student_batch",
              "student_patch", "student_lr", "target_pixels", "target_flips")


def _value(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _pairs(text: str) -> dict[str, object]:
    out = {}
    for item in filter(None, text.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"a recipe's settings are FIELD=VALUE (got {item!r})")
        out[key] = _value(value)
    return out


def recipes(specs: list[str]) -> dict[str, dict[str, object]]:
    """Recipe name -> student overrides; ``fast`` is the `fast` preset's student (with the
    `StudentConfig` defaults it does not set), ``preset`` adds nothing."""
    from napari_sdap.config import StudentConfig
    from napari_sdap.presets import PRESETS

    fast = {k: StudentConfig.model_fields[k].default_factory()  # type: ignore[misc]
            if StudentConfig.model_fields[k].default_factory else
            StudentConfig.model_fields[k].default for k in _FAST_KEYS}
    fast.update({k: v for k, v in PRESETS["fast"]["student"].items() if k in _FAST_KEYS})
    out: dict[str, dict[str, object]] = {}
    for spec in specs or ["preset", "fast"]:
        name, _, rest = spec.partition(":")
        base = fast if name == "fast" else {}
        out[name] = {**base, **_pairs(rest)}
    return out


def _scores(task, model, mode: str, device: str) -> float:
    import quality

    axes = "YXC" if task.rgb else "YX"
    found = [quality.score(quality.eight_bit(task, model.denoise(x, axes, mode=mode,
                                                                 device=device)),
                           quality.eight_bit(task, clean), task.rgb)[0]
             for x, clean in zip(task.noisy, task.clean, strict=True)]
    return round(float(np.mean(found)), 3)


def run_task(task, args: argparse.Namespace, plan: dict[str, dict[str, object]]) -> dict:
    import torch

    import napari_sdap
    from napari_sdap.api.distillation import distil, teacher_mode
    from napari_sdap.api.inputs import prepare_all
    from napari_sdap.api.output_blur import output_blur
    from napari_sdap.api.output_mix import output_mix
    from napari_sdap.model.device import resolve_device
    from napari_sdap.presets import apply_overrides

    axes = "YXC" if task.rgb else "YX"
    t0 = time.perf_counter()
    model = napari_sdap.train(task.noisy, axes, preset=args.preset, steps=args.steps,
                              device=args.device, student=False, **args.set)
    row: dict = {"task": task.name, "teacher_preset": args.preset, "steps": model.record.steps,
                 "stride": model.config.training.stride,
                 "teacher_s": round(time.perf_counter() - t0, 1)}
    row["teacher"] = _scores(task, model, teacher_mode(model), args.device)
    dev = resolve_device(args.device)
    prepared = prepare_all(task.noisy, axes, model.config.channel_mode)
    sources = [(p.array, p.view) for p in prepared]
    try:
        for name, settings in plan.items():
            if "student" not in settings and model.config.training.stride != 1:
                row[name] = {"auto": row["teacher"], "kept": False, "skipped": "stride"}
                continue  # correlated noise gets no student by default (`wants_student`)
            m = copy.deepcopy(model)
            m.config = apply_overrides(m.config.model_dump(), student=True, **settings)
            t1 = time.perf_counter()
            for _ in distil(m, sources, dev):
                pass
            output_blur(m, sources, dev)
            output_mix(m, sources, dev)
            if dev.type == "cuda":
                torch.cuda.synchronize()
            check = m.record.student_check or {}
            row[name] = {"auto": _scores(task, m, "auto", args.device),
                         "student": (_scores(task, m, "student", args.device)
                                     if m.student is not None else None),
                         "kept": m.student is not None,
                         "check": {k: check.get(k) for k in ("excess", "excess_se")
                                   if k in check},
                         "seconds": round(time.perf_counter() - t1, 1),
                         "student_steps": m.record.student_steps}
    finally:
        for p in prepared:
            p.close()
    return row


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    import quality

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    quality.task_options(p)
    p.add_argument("--preset", default="fast")
    p.add_argument("--steps", type=int, help="teacher steps (the preset's if omitted)")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="teacher setting (repeatable)")
    p.add_argument("--recipe", action="append", default=[], metavar="NAME:FIELD=VALUE,...")
    p.add_argument("--device", default="auto")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    p.add_argument("--tag", default="student_recipes")
    args = p.parse_args(argv)
    args.set = {k: v for item in args.set for k, v in _pairs(item).items()}
    plan = recipes(args.recipe)
    tasks = quality.chosen_tasks(args)
    if tasks is None:
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        row = run_task(task, args, plan)
        line = json.dumps(row)
        print(line, flush=True)
        with open(args.out / f"{args.tag}.jsonl", "a") as f:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
