"""Training time and PSNR of the CPU default in float32 and in bfloat16 (`training.precision`).

Trains `fast` (teacher and student, the defaults) on all noisy inputs of each task of
`benchmarks/quality.py` once per precision, alternating, and prints one JSON line per training:
the precision asked for, whether the CPU computes bf16 natively, the wall seconds of the whole
training and of each stage, and the PSNR of the default output. Example::

    python benchmarks/train_precision.py --sets fmd --only Confocal_BPAE_B,WideField_BPAE_G \
        --threads 2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    import quality

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    quality.task_options(p, threads=2)
    p.add_argument("--precisions", default="float32,auto")
    args = p.parse_args(argv)
    tasks = quality.chosen_tasks(args)
    if tasks is None:
        return 0
    import torch

    import napari_sdap
    from napari_sdap.model.device import native_bf16

    for task in tasks:
        axes = "YXC" if task.rgb else "YX"
        for precision in args.precisions.split(","):
            t0 = time.perf_counter()
            model = napari_sdap.train(task.noisy, axes, preset="fast", device="cpu",
                                      precision=precision)
            wall = time.perf_counter() - t0
            scores = [quality.score(model.denoise(x, axes, device="cpu"), clean, task.rgb)[0]
                      for x, clean in zip(task.noisy, task.clean, strict=True)]
            r = model.record
            print(json.dumps({
                "task": task.name, "precision": precision,
                "native_bf16": native_bf16(torch.device("cpu")), "threads": args.threads,
                "train_s": round(wall, 1), "teacher_s": round(r.seconds, 1),
                "student_s": round(r.student_seconds, 1), "steps": r.steps,
                "student_steps": r.student_steps, "mode": model.resolve_mode(),
                "psnr": round(float(np.mean(scores)), 3)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
