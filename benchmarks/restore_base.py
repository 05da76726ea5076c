"""The lowest threshold the detail restore's gate may choose for models trained for correlated
noise (stride above 1): the default output with the gate chosen from a base of 1.5 (the
thresholds it tries are 1.5-9) against bases of 1.25 (1.25-7.5) and 1.0 (1.0-6), on the same
trained network, and the base the shipped rule chooses from the noise's correlation at the
stride (`infer.noise_reach`: 1.25 where it reads decorrelated, else 1.5; its output is that
base's).

For each task this trains the default (`fast`; with ``--models DIR`` the trained models are
kept there and reused), then, per base, measures the noise curve and gate again as a training
does when it ends (`api.noise_curve.measure_noise_curve`), chooses the output blur again
(`api.output_blur`), and prints the PSNR of the default output, mean over the task's images.
Models trained at stride 1 are skipped (their base is 1.0 either way). ``--bases`` chooses the
bases measured (e.g. ``--bases 1.5`` for the reading and the shipped output where it keeps 1.5).

    python benchmarks/restore_base.py --sets bsd68 --noises corr2_15 --only test001/ \\
        --crop 256 --models MODELS
"""

from __future__ import annotations

import argparse

import numpy as np
from quality import psnr

BASES = (1.5, 1.25, 1.0)


def main() -> int:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--bases", default=",".join(f"{b:g}" for b in BASES))
    known, rest = pre.parse_known_args()  # the rest: the task options (`correlated_models`)
    bases = tuple(float(b) for b in known.bases.split(","))
    import torch
    from blur_reading import correlated_models

    import napari_sdap.api.noise_curve as nc
    from napari_sdap.api.inputs import prepare_all
    from napari_sdap.api.output_blur import output_blur

    cpu = torch.device("cpu")
    shipped = nc.CORRELATED_THRESHOLD, nc.DECORRELATED_THRESHOLD
    rows = []
    for task, name, axes, model in correlated_models(__doc__.split("\n")[0], rest):
        sources = [(q.array, q.view) for q in prepare_all(list(task.noisy), axes)]
        row = [name, f"{psnr_mean(task.noisy, task.clean):.2f}"]
        for base in bases:
            nc.CORRELATED_THRESHOLD = nc.DECORRELATED_THRESHOLD = base
            model.noise_curve = nc.measure_noise_curve(model, sources, cpu)[0]
            output_blur(model, sources, cpu)
            c = model.noise_curve
            outs = [model.denoise(x, axes, device="cpu") for x in task.noisy]
            row.append(f"{c.threshold:g} / {c.strength:.2f} / {c.blur:g}")
            row.append(f"{psnr_mean(outs, task.clean):.2f}")
        nc.CORRELATED_THRESHOLD, nc.DECORRELATED_THRESHOLD = shipped  # for the next training
        rho = model.noise_curve.reach  # the reading the curve was measured with
        row += ["unread" if rho is None else f"{rho:.2f}", f"{nc.reach_start(rho).threshold:g}"]
        rows.append(row)
        print(" | ".join(row), flush=True)
    if not rows:
        return 0
    head = " | ".join(f"base {b:g}: threshold / strength / blur px | PSNR" for b in bases)
    print(f"\n| task | noisy | {head} | correlation at the stride | rule's base |\n|---|---:"
          + "|---|---:" * len(bases) + "|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


def psnr_mean(outs, refs) -> float:
    """Mean PSNR over a task's images."""
    return float(np.mean([psnr(o, r) for o, r in zip(outs, refs, strict=True)]))


if __name__ == "__main__":
    raise SystemExit(main())
