"""CPU speed of the engine: seconds per training step per preset, seconds per denoised megapixel.

Training: each preset at its default batch size and patch size (RSG stride 2), timed over a few
optimiser steps after warm-up steps, as wall seconds and process CPU seconds per step.
Inference: each preset and mode (`sdap`, `sdap_e`, `bsn`) on a square float32 image through
`SDAPModel.denoise`, as wall and process CPU seconds per megapixel (CPU seconds stay meaningful
on a machine shared with other jobs; wall seconds do not). Untrained weights: speed does not
depend on them. Run with `nice` on a shared machine and note its load::

    PYTHONPATH=src nice python benchmarks/cpu_engine.py
    PYTHONPATH=src nice python benchmarks/cpu_engine.py --presets tiny fast --threads 1
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def bench_training(preset: str, warmup: int, steps: int, seed: int = 0) -> dict[str, float]:
    from napari_sdap.api import create_model
    from napari_sdap.axes import plane_view
    from napari_sdap.model.device import resolve_device
    from napari_sdap.model.normalize import Normalization
    from napari_sdap.training.loop import run_training
    from napari_sdap.training.patches import PatchSampler

    model = create_model(preset, 1, stride=2, steps=warmup + steps, seed=seed)
    t = model.config.training
    image = np.random.default_rng(seed).normal(0.5, 0.1, (512, 512)).astype(np.float32)
    sampler = PatchSampler([(image, plane_view(image.shape, "YX"))],
                           Normalization(low=[0.0], high=[1.0]), t.patch_size, seed=seed)
    wall = cpu = 0.0
    last_w, last_c = time.perf_counter(), time.process_time()
    for rec in run_training(model.network, t, sampler, resolve_device("cpu"), seed):
        now_w, now_c = time.perf_counter(), time.process_time()
        if rec.step > warmup:
            wall += now_w - last_w
            cpu += now_c - last_c
        last_w, last_c = now_w, now_c
    return {"batch": t.batch_size, "patch": t.patch_size, "s_per_step": wall / steps,
            "cpu_s_per_step": cpu / steps, "params": model.parameters}


def bench_inference(preset: str, mode: str, size: int, repeats: int) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) per megapixel, best of `repeats`."""
    from napari_sdap.api import create_model
    from napari_sdap.model.normalize import Normalization

    model = create_model(preset, 1)
    model.normalization = Normalization(low=[0.0], high=[1.0])
    image = np.random.default_rng(0).normal(0.5, 0.1, (size, size)).astype(np.float32)
    model.denoise(image[:64, :64], mode=mode, device="cpu")  # warm-up
    wall = cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        model.denoise(image, mode=mode, device="cpu")
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    mpix = size * size / 1e6
    return wall / mpix, cpu / mpix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["tiny", "fast", "paper"])
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed training steps")
    parser.add_argument("--steps", type=int, default=5, help="timed training steps")
    parser.add_argument("--size", type=int, default=512, help="inference image edge (px)")
    parser.add_argument("--paper-size", type=int, default=256,
                        help="inference image edge for the paper preset (px)")
    parser.add_argument("--repeats", type=int, default=2, help="inference repeats (best kept)")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"machine: nproc={os.cpu_count()}, CPU {cpu_model()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} torch threads, load average "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print("\n| preset | params | batch x patch | s / step (wall) | CPU s / step |")
    print("|---|---|---|---|---|")
    for preset in args.presets:
        # one paper step is minutes on a small CPU: time a single step after no warm-up
        steps = 1 if preset == "paper" else args.steps
        r = bench_training(preset, 0 if preset == "paper" else args.warmup, steps)
        print(f"| {preset} | {r['params']:,} | {r['batch']} x {r['patch']}^2 | "
              f"{r['s_per_step']:.3f} | {r['cpu_s_per_step']:.3f} |", flush=True)
    print("\nseconds per megapixel, wall (CPU)")
    print("\n| preset | image | sdap | sdap_e | bsn |")
    print("|---|---|---|---|---|")
    for preset in args.presets:
        size = args.paper_size if preset == "paper" else args.size
        repeats = 1 if preset == "paper" else args.repeats
        cells = ["{:.2f} ({:.2f})".format(*bench_inference(preset, m, size, repeats))
                 for m in ("sdap", "sdap_e", "bsn")]
        print(f"| {preset} | {size}^2 | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
