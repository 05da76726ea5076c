"""What averaging over flips and rotations at inference gives the student and its teacher.

Trains a `fast` model per task of `benchmarks/quality.py` (the same protocol: all the task's
noisy inputs), then denoises each input with `flips` = 1, 2, 4 and 8 (`SDAPModel.denoise`: the
image denoised in that many orientations, each with its detail restore, and averaged); prints one
JSON line per task with the mean PSNR and the seconds of every count, for the student and the
teacher's own mode. Example::

    python benchmarks/student_flips.py --sets fmd --only Confocal_FISH --threads 1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

COUNTS = (1, 2, 4, 8)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    import quality

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    quality.task_options(p)
    tasks = quality.chosen_tasks(p.parse_args(argv))
    if tasks is None:
        return 0
    import napari_sdap
    from napari_sdap.api.distillation import teacher_mode

    for task in tasks:
        axes = "YXC" if task.rgb else "YX"
        model = napari_sdap.train(task.noisy, axes, preset="fast", device="cpu")
        result: dict = {"task": task.name, "stride": model.config.training.stride}
        modes = (["student"] if model.student is not None else []) + [teacher_mode(model)]
        for mode in modes:
            for count in COUNTS:
                t0, scores = time.perf_counter(), []
                for x, clean in zip(task.noisy, task.clean, strict=True):
                    out = model.denoise(x, axes, mode=mode, device="cpu", flips=count)
                    scores.append(quality.score(out, clean, task.rgb)[0])
                result[f"{mode}x{count}"] = round(float(np.mean(scores)), 3)
                result[f"{mode}x{count}_s"] = round(time.perf_counter() - t0, 1)
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
