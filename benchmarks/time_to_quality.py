"""PSNR against training time, per preset (or per custom setting), on one benchmark task.

Training time excludes the evaluation pauses; at every checkpoint the first noisy image of the
task is denoised with the mode chosen automatically and scored on the 8-bit scale. Configs are
``preset`` or ``preset:key=value,key=value`` (any flat setting of `napari_sdap.config`)::

    nice python benchmarks/time_to_quality.py --task fmd:Confocal_BPAE_B --crop 256 \\
        --configs fast,tiny,fast:width=32,blocks=3 --budget 120 --every 20 --threads 2
    python benchmarks/time_to_quality.py --device cuda --configs paper,fast --budget 120

Writes ``--out/<tag>.json`` and ``.md``; exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from quality import DEFAULT_DATA, ROOT, _machine, load_tasks, score


def _parse_config(text: str) -> tuple[str, dict]:
    preset, _, rest = text.partition(":")
    overrides: dict = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        for cast in (int, float):
            try:
                value = cast(value)
                break
            except ValueError:
                continue
        overrides[key] = value
    return preset, overrides


def curve(task, preset: str, overrides: dict, args: argparse.Namespace) -> list[dict]:
    """Train with a time budget, scoring at every `args.every` seconds of training."""
    import torch

    import napari_sdap

    cuda = torch.cuda.is_available() and args.device != "cpu"
    if cuda:  # the first checkpoint's peak is training alone (before any evaluation)
        torch.cuda.reset_peak_memory_stats()
    axes = "YXC" if task.rgb else "YX"
    points: list[dict] = []
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    trained, wall, last_eval, t_step, w_step = 0.0, 0.0, 0.0, clock(), time.perf_counter()
    steps = overrides.pop("steps", args.max_steps)
    gen = napari_sdap.iter_train(task.noisy, axes, preset=preset, steps=steps, seed=args.seed,
                                 device=args.device, **overrides)
    for rec in gen:
        trained += clock() - t_step
        wall += time.perf_counter() - w_step
        done = rec.step >= rec.steps or trained >= args.budget
        if trained - last_eval >= args.every or done:
            last_eval = trained
            peak = torch.cuda.max_memory_allocated() / 2**20 if cuda else None
            t0 = clock()
            out = rec.model.denoise(task.noisy[0], axes, device=args.device)
            infer_s = clock() - t0
            psnr, ssim = score(out, task.clean[0], task.rgb)
            points.append({"train_s": round(trained, 1), "wall_s": round(wall, 1),
                           "step": rec.step, "psnr": round(psnr, 3), "ssim": round(ssim, 4),
                           "infer_s": round(infer_s, 2), "loss": round(rec.loss, 5),
                           **({"cuda_peak_mb": round(peak)} if peak is not None else {})})
            print(f"  {points[-1]}", flush=True)
        if done:
            gen.close()
            break
        t_step, w_step = clock(), time.perf_counter()
    return points


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--task", default="fmd:Confocal_BPAE_B",
                   help="set:name, e.g. fmd:WideField_BPAE_G or set12:05/corr")
    p.add_argument("--crop", type=int)
    p.add_argument("--mosaic", action="store_true",
                   help="train and score on a 2x2 mosaic of the task's first 4 frames (FMD: "
                        "1024 x 1024 of real noise, each quarter scored against its reference)")
    p.add_argument("--configs", default="tiny,fast,paper", help="';'-separated if they hold ','")
    p.add_argument("--budget", type=float, default=120.0, help="training seconds per config")
    p.add_argument("--every", type=float, default=20.0, help="seconds between checkpoints")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="training time in wall seconds, or CPU seconds of this process (fair on "
                        "a shared machine with --threads 1)")
    p.add_argument("--max-steps", type=int, default=100_000)
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    p.add_argument("--tag", default="time_to_quality")
    args = p.parse_args(argv)
    if not args.data.is_dir():
        print(f"benchmark data not found at {args.data}; skipping (give --data PATH)")
        return 0
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    sep = ";" if ";" in args.configs else ("," if ":" not in args.configs else ";")
    configs = [c for c in args.configs.split(sep) if c]
    set_name, _, name = args.task.partition(":")
    noises = [name.split("/")[1]] if "/" in name else ["white"]
    tasks = load_tasks(args.data, [set_name], noises, None, args.crop, name)
    if not tasks:
        raise SystemExit(f"no task {args.task!r}")
    task = _mosaic(tasks[0]) if args.mosaic else tasks[0]
    machine = _machine(args.device)
    noisy_psnr = score(task.noisy[0], task.clean[0], task.rgb)[0]
    print(f"{task.set} {task.name} ({task.noisy[0].shape}) noisy {noisy_psnr:.2f} dB on {machine}")
    results = {"machine": machine, "command": " ".join(sys.argv), "task": args.task,
               "clock": args.clock,
               "crop": args.crop, "mosaic": args.mosaic, "shape": list(task.noisy[0].shape),
               "noisy_psnr": round(noisy_psnr, 3), "curves": {}}
    args.out.mkdir(parents=True, exist_ok=True)
    for text in configs:
        preset, overrides = _parse_config(text)
        print(f"{text}:", flush=True)
        results["curves"][text] = curve(task, preset, dict(overrides), args)
        (args.out / f"{args.tag}.json").write_text(json.dumps(results, indent=1))
    rows = ["| config | " + " | ".join(f"t={t:.0f}s" for t in _grid(args)) + " | steps | "
            "infer s |", "|---|" + "---:|" * (len(_grid(args)) + 2)]
    for text, pts in results["curves"].items():
        cells = [_at(pts, t) for t in _grid(args)]
        rows.append(f"| {text} | " + " | ".join(cells)
                    + f" | {pts[-1]['step']} | {pts[-1]['infer_s']} |")
    table = "\n".join(rows)
    (args.out / f"{args.tag}.md").write_text(
        f"Machine: {machine}\n\nCommand: `{results['command']}`\n\nTask {args.task} "
        f"(crop {args.crop}), noisy {noisy_psnr:.2f} dB; PSNR (dB) at training time "
        f"({args.clock} clock):\n\n{table}\n")
    print(table)
    return 0


def _mosaic(task):
    """The task as one image: its first four frames (and references) tiled 2 x 2."""
    if len(task.noisy) < 4:
        raise SystemExit(f"--mosaic needs 4 frames; {task.name} has {len(task.noisy)}")
    n, c = task.noisy[:4], task.clean[:4]
    return replace(task, noisy=[np.block([[n[0], n[1]], [n[2], n[3]]])],
                   clean=[np.block([[c[0], c[1]], [c[2], c[3]]])])


def _grid(args: argparse.Namespace) -> list[float]:
    return list(np.arange(args.every, args.budget + 1e-6, args.every))


def _at(points: list[dict], t: float) -> str:
    """PSNR of the last checkpoint at or before training time `t` (within 10 %)."""
    before = [p for p in points if p["train_s"] <= t * 1.1]
    return f"{before[-1]['psnr']:.2f}" if before else "-"


if __name__ == "__main__":
    raise SystemExit(main())
