"""The output blur chosen with the noise read from repeated frames of one view (`frames=True`,
`api.frames`) against the one read from each frame alone (the default), on the same trained
network (stride above 1).

For each task this trains the default (`fast`; with ``--models DIR`` the trained models are
kept there and reused; their noise curve and blur are measured again as shipped), then
chooses the output blur again with ``frames`` on and prints the
blur and the PSNR of the default output, mean over the task's images, both ways. FMD tasks
are frames of one view already; a synthetic task (Set12, BSD68) gets a second frame: the same
reference with another draw of its noise (used for the reading only).

    python benchmarks/frames_blur.py --sets fmd --only WideField_BPAE_B --models MODELS
"""

from __future__ import annotations

import numpy as np
from quality import add_noise, psnr


def main() -> int:
    import torch
    from blur_reading import correlated_models

    from napari_sdap.api.inputs import prepare_all
    from napari_sdap.api.noise_curve import measure_noise_curve
    from napari_sdap.api.output_blur import output_blur

    rows = []
    for task, name, axes, model in correlated_models(__doc__.split("\n")[0]):
        frames = list(task.noisy)
        if len(frames) < 2:  # a synthetic task: a second draw of its noise
            frames.append(add_noise(task.clean[0], task.meta["noise"], seed=7_000_003))
        cpu = torch.device("cpu")
        trained = [(q.array, q.view) for q in prepare_all(list(task.noisy), axes)]
        model.noise_curve = measure_noise_curve(model, trained, cpu)[0]  # as shipped now
        output_blur(model, trained, cpu)
        row = [name, f"{mean_psnr(model, task, axes):.2f}", f"{model.noise_curve.blur:g}"]
        cfg = model.config
        model.config = cfg.model_copy(update={"training": cfg.training.model_copy(
            update={"frames": True})})
        output_blur(model, [(q.array, q.view) for q in prepare_all(frames, axes)], cpu)
        row += [f"{model.noise_curve.blur:g}", f"{mean_psnr(model, task, axes):.2f}"]
        rows.append(row)
        print(" | ".join(row), flush=True)
    if not rows:
        return 0
    print("\n| task | one frame: PSNR | blur px | frames: blur px | PSNR |\n"
          "|---|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


def mean_psnr(model, task, axes: str) -> float:
    """Mean PSNR of the model's default output over the task's images."""
    return float(np.mean([psnr(model.denoise(x, axes, device="cpu"), r)
                          for x, r in zip(task.noisy, task.clean, strict=True)]))


if __name__ == "__main__":
    raise SystemExit(main())
