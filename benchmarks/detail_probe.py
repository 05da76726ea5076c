"""Train one teacher per benchmark task and keep what the detail restore works from.

For each task (any `quality.py` set) this trains the blind-spot teacher (no student), then
stores the noisy input, the reference, the network output alone and the model's noise curve in
``OUT/<set>_<task>.npz`` and the model file next to it, so that restore rules can be compared
against the clean reference without training again. Example::

    OMP_NUM_THREADS=2 python -u benchmarks/detail_probe.py --sets clip8,strong --crop 256 \
        --out /tmp/probe
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from quality import DEFAULT_DATA, load_tasks


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--sets", default="clip8,strong")
    p.add_argument("--noises", default="white", help="synthetic noises for set12/bsd68")
    p.add_argument("--only")
    p.add_argument("--limit", type=int)
    p.add_argument("--crop", type=int, default=256)
    p.add_argument("--preset", default="fast")
    p.add_argument("--steps", type=int)
    p.add_argument("--frames", type=int, help="first N noisy frames of each task")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=Path("/tmp/probe"))
    args = p.parse_args()
    if not args.data.is_dir():
        print(f"benchmark data not found at {args.data}; skipping")
        return 0
    import torch

    import napari_sdap
    from napari_sdap.api.distillation import teacher_mode

    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    tasks = load_tasks(args.data, args.sets.split(","), args.noises.split(","), args.limit,
                       args.crop, args.only)
    for task in tasks:
        if args.frames:
            task.noisy, task.clean = task.noisy[: args.frames], task.clean[: args.frames]
        stem = f"{task.set}_{task.name.replace('/', '-')}"
        if (args.out / f"{stem}.npz").exists():
            continue
        axes = "YXC" if task.rgb else "YX"
        t0 = time.perf_counter()
        model = napari_sdap.train(task.noisy, axes, preset=args.preset, steps=args.steps,
                                  device="cpu", student=False)
        mode = teacher_mode(model)
        mu = [model.denoise(x, axes, mode=mode, device="cpu", detail=False) for x in task.noisy]
        model.save(args.out / f"{stem}.sdap")
        np.savez(args.out / f"{stem}.npz", noisy=np.stack(task.noisy),
                 clean=np.stack(task.clean), mu=np.stack(mu), rgb=task.rgb)
        curve = model.noise_curve.model_dump() if model.noise_curve else None
        (args.out / f"{stem}.json").write_text(json.dumps(
            {"mode": mode, "stride": model.config.training.stride, "curve": curve,
             "train_s": round(time.perf_counter() - t0, 1)}))
        print(f"{stem}: {mode}, stride {model.config.training.stride}, "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
