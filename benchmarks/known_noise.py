"""A known noise level (`noise_std`, `noise_gain`, `noise_offset`) against the noise read from
the data: the default output of the same trained network, mean PSNR over each task's images.

The noise given is the synthetic noise's own (box-filtered Gaussian: its std; ``strong``:
Poisson at the task's peak plus read noise of std 2; ``white``, ``pg``), or for FMD a
calibration a lab would make of its camera: the variance of the raw frames about the 50-frame
average, fitted as ``std**2 + gain * (I - offset)`` over the unclipped pixels. Tasks without
either are skipped.

For each task this trains the default (`fast`; with ``--models DIR`` kept there and reused).
Models trained at a stride above 1 (no student) get their noise curve, gate and output blur
measured again with the noise given (as a training with it does when it ends; per lowest
threshold of ``--bases``); models trained at stride 1 are trained again with the noise given
(their student learns the teacher's restored output), kept as ``NAME_known.sdap``.

    python benchmarks/known_noise.py --sets set12 --noises corr2_15 --only 01/ --crop 256 \\
        --models MODELS
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from frames_blur import mean_psnr
from proxies import STRONG_READ
from quality import BOX, chosen_tasks, task_options

SYNTHETIC = {"white": (25.0, 0.0), "pg": (3.0, 255.0 / 30.0)}


def given_noise(task) -> dict[str, float] | None:
    """The settings that give the task's noise; None where it is not known."""
    noise, peak = task.meta.get("noise"), task.meta.get("peak")
    if noise in BOX:
        return {"noise_std": BOX[noise][1]}
    if noise in SYNTHETIC:
        std, gain = SYNTHETIC[noise]
        return {"noise_std": std, "noise_gain": gain}
    if task.set == "strong":
        return {"noise_std": STRONG_READ, "noise_gain": 255.0 / peak}
    if task.set == "fmd":
        return calibrate(task.noisy, task.clean)
    return None


def calibrate(noisy: list[np.ndarray], clean: list[np.ndarray]) -> dict[str, float]:
    """``std**2 + gain * (I - offset)`` fitted to the variance of `noisy` about `clean` in 32
    intensity bins of the unclipped pixels (clean and noisy within 1..254)."""
    x = np.concatenate([c.ravel() for c in clean]).astype(np.float64)
    d = np.concatenate([(n - c).ravel() for n, c in zip(noisy, clean, strict=True)])
    n = np.concatenate([n.ravel() for n in noisy])
    keep = (x > 1) & (x < 254) & (n > 0) & (n < 255)
    x, d = x[keep], d[keep]
    edges = np.unique(np.quantile(x, np.linspace(0, 1, 33)))
    index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    level = np.array([x[index == b].mean() for b in range(len(edges) - 1)])
    var = np.array([d[index == b].var() for b in range(len(edges) - 1)])
    gain, base = np.polyfit(level, var, 1)
    gain = max(float(gain), 0.0)
    if base >= 0 or gain == 0:
        return {"noise_std": float(np.sqrt(max(base, 1e-6))), "noise_gain": gain}
    return {"noise_std": 0.0, "noise_gain": gain, "noise_offset": float(-base / gain)}


def state(model) -> str:
    c = model.noise_curve
    return f"{c.threshold:g} / {c.strength:.2f} / {c.blur:g}"


def main() -> int:
    import torch
    from blur_reading import kept_model

    import napari_sdap
    import napari_sdap.api.noise_curve as nc
    from napari_sdap.api.inputs import prepare_all
    from napari_sdap.api.output_blur import output_blur

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    task_options(p)
    p.add_argument("--models", default=None, help="folder to keep the trained models in")
    p.add_argument("--bases", default="1.0", help="lowest thresholds tried at stride above 1")
    args = p.parse_args()
    keep = Path(args.models) if args.models else None
    bases = [float(b) for b in args.bases.split(",")]
    cpu = torch.device("cpu")
    rows = []
    for task in chosen_tasks(args) or []:
        noise = given_noise(task)
        if noise is None:
            print(f"{task.set}_{task.name}: noise not known, skipped", flush=True)
            continue
        name, axes, model = kept_model(task, keep)
        given = ", ".join(f"{k.removeprefix('noise_')} {v:.3g}" for k, v in noise.items())
        row = [name, str(model.config.training.stride), given,
               state(model), f"{mean_psnr(model, task, axes):.2f}"]
        if model.config.training.stride > 1:
            sources = [(q.array, q.view) for q in prepare_all(list(task.noisy), axes)]
            model.config = model.config.model_copy(update={
                "training": model.config.training.model_copy(update=noise)})
            for base in bases:
                nc.KNOWN_THRESHOLD = base
                model.noise_curve = nc.measure_noise_curve(model, sources, cpu)[0]
                output_blur(model, sources, cpu)
                row += [f"{base:g}: {state(model)}", f"{mean_psnr(model, task, axes):.2f}"]
        else:
            path = keep / f"{name}_known.sdap" if keep else None
            if path is not None and path.exists():
                known = napari_sdap.load_model(path)
            else:
                known = napari_sdap.train(task.noisy, axes, preset="fast", device="cpu",
                                          **noise)
                if path is not None:
                    known.save(path)
            row += [f"{state(known)}, {known.resolve_mode('auto')}",
                    f"{mean_psnr(known, task, axes):.2f}"]
        rows.append(row)
        print(" | ".join(row), flush=True)
    head = "task | stride | noise given | read: threshold / strength / blur | PSNR"
    print(f"\n| {head} | given: threshold / strength / blur | PSNR |\n|---|---:|---|---|---:"
          "|---|---:|")
    print("\n".join("| " + " | ".join(row) + " |" for row in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
