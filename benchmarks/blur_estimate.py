"""Stein's estimate of what blurring the student's targets gains, against the truth.

Is `target_blur="auto"` (`infer.smoothing.choose_blur`) right about the targets? For each
single-channel task of the quality harness this trains the stride-1 teacher alone (`fast`, its
steps before a student; no student) and builds the student's target teacher as the distillation does
(`distillation.target_refine`, fp32). On the whole first image (a 256² crop: one window, its
outer 4 px left out as `choose_blur` leaves out plane borders) it prints, per blur of 0.5-1.2
px, the estimated change of the targets' mean squared error (in % of the estimated noise
variance, positive: the blur helps) beside the true change (in % of the true noise variance,
and in dB), then the blur `auto` chooses. Example::

    python benchmarks/blur_estimate.py --sets strong,clip8 --crop 256 --threads 1
"""

from __future__ import annotations

import time

import numpy as np
from quality import tasks_from_command_line


def main() -> int:
    tasks = tasks_from_command_line(__doc__, sets="strong", crop=256)
    if tasks is None:
        return 0
    import torch

    import napari_sdap
    from napari_sdap.api.distillation import target_refine, teacher_mode
    from napari_sdap.api.inputs import prepare
    from napari_sdap.infer.refine import Refine
    from napari_sdap.infer.smoothing import SIGMAS, blur, blur_radius, choose_blur
    from napari_sdap.infer.targets import teacher
    from napari_sdap.infer.tiling import Tile
    from napari_sdap.presets import config_from_preset

    steps = config_from_preset("fast").training.steps  # the teacher's steps before a student
    cpu = torch.device("cpu")
    for task in tasks:
        if task.rgb:
            continue
        t0 = time.perf_counter()
        model = napari_sdap.train(task.noisy, "YX", preset="fast", device="cpu", student=False,
                                  steps=steps)
        if model.config.training.stride != 1:
            print(f"{task.set} {task.name}: stride {model.config.training.stride}, no estimate")
            continue
        p = prepare(task.noisy[0], "YX", model.config.channel_mode)
        mode, pd = teacher_mode(model), model.config.inference.pd_stride
        refine = target_refine(model, [(p.array, p.view)], cpu)
        run = teacher(model.network, cpu, mode, pd, refine, fp32=True)
        blind = teacher(model.network, cpu, mode, pd, Refine(refine.curve, detail=False),
                        fp32=True) if refine is not None and refine.detail else None
        lo, scale = model.normalization.scale(0)
        x = ((task.noisy[0] - lo) / scale).astype(np.float32)[None]
        y = ((task.clean[0] - lo) / scale).astype(np.float64)[None]
        h, w = x.shape[-2:]
        r = blur_radius(max(SIGMAS))
        inner = (slice(None), slice(r, h - r), slice(r, w - r))
        whole = Tile(0, slice(0, h), slice(0, w), slice(0, h), slice(0, w))
        t = run(x, 0)[1]
        base = float(((t - y)[inner] ** 2).mean())
        noise = float(((x - y)[inner] ** 2).mean())
        chosen = choose_blur(run, [(x, 0, whole)], seed=model.config.seed, blind=blind)
        cols = []
        for s, gain in chosen.tried:
            mse = float(((blur(t, s) - y)[inner] ** 2).mean())
            true, db = 100 * (base - mse) / noise, 10 * np.log10(base / mse)
            cols.append(f"{s:g}: estimate {100 * gain:+.1f} %, true {true:+.1f} % ({db:+.2f} dB)")
        print(f"{task.set} {task.name}: {' | '.join(cols)} || auto chooses {chosen.sigma:g} "
              f"(standard error of the best {100 * chosen.stderr:.1f} %, "
              f"{time.perf_counter() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
