"""Part of the noisy input given back to the output of models trained for correlated noise
(`infer.give_back`): the default output with and without it, against the reference.

For each task this trains the default (`fast`; with ``--models DIR`` the trained models are
kept there and reused), chooses the output blur and the share given back afresh with the
code as it is (so models trained before the share existed get it too), and prints the PSNR
of the default output, of the same output with nothing given back, of the noisy input, and
of the best share chosen with the reference (an oracle), with the estimate's own best share
and the share it gave (``2 best - 1`` where positive and significant). Stride-1 models
(white noise) are skipped: the share is chosen for models trained at a stride above 1.

    python benchmarks/give_back.py --sets bsd68 --noises corr15,corr2_15 --only test001 \\
        --crop 256 --models /tmp/models
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from quality import chosen_tasks, psnr, task_options


def _best_share(outs, noisy, clean) -> float:
    """The share ``a`` of ``(1 - a) out + a x`` with the least error against the reference."""
    num = den = 0.0
    for f, x, s in zip(outs, noisy, clean, strict=True):
        f, x, s = (np.asarray(a, np.float64) for a in (f, x, s))
        num -= float(((f - s) * (x - f)).sum())
        den += float(((x - f) ** 2).sum())
    return num / den if den > 0 else 0.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    task_options(p)
    p.add_argument("--models", default=None, help="folder to keep the trained models in")
    args = p.parse_args()
    tasks = chosen_tasks(args)
    if tasks is None:
        return 0
    import torch

    import napari_sdap
    from napari_sdap.api.inputs import prepare_all
    from napari_sdap.api.output_blur import output_blur

    keep = Path(args.models) if args.models else None
    rows = []
    for task in tasks:
        axes = "YXC" if task.rgb else "YX"
        name = f"{task.set}_{task.name}".replace("/", "_")
        path = keep / f"{name}.sdap" if keep else None
        loaded = path is not None and path.exists()
        if loaded:
            model = napari_sdap.load_model(path)
        else:
            model = napari_sdap.train(task.noisy, axes, preset="fast", device="cpu")
            if path is not None:
                model.save(path)
        if model.config.training.stride < 2 or model.noise_curve is None:
            print(f"{name}: stride {model.config.training.stride}, skipped", flush=True)
            continue
        if loaded:  # trained by earlier code: the blur and the share as chosen now
            output_blur(model, [(q.array, q.view) for q in prepare_all(list(task.noisy), axes)],
                        torch.device("cpu"))
        curve, est = model.noise_curve, model.record.output_mix or {}
        outs = [model.denoise(x, axes, device="cpu") for x in task.noisy]
        model.noise_curve = curve.model_copy(update={"mix": 0.0})
        plain = [model.denoise(x, axes, device="cpu") for x in task.noisy]
        model.noise_curve = curve
        best = _best_share(plain, task.noisy, task.clean)
        a = float(np.clip(best, 0.0, 1.0))
        oracle = [(1 - a) * f.astype(np.float64) + a * x for f, x in zip(plain, task.noisy,
                                                                         strict=True)]
        score = {k: float(np.mean([psnr(o, r) for o, r in zip(v, task.clean, strict=True)]))
                 for k, v in (("noisy", task.noisy), ("default", outs), ("none", plain),
                              ("oracle", oracle))}
        row = (name, model.config.training.stride, curve.blur, est.get("best_share", 0.0),
               curve.mix, best, score)
        rows.append(row)
        print(f"{name}: stride {row[1]}, blur {row[2]:g} px; estimate: best share "
              f"{row[3]:+.3f}, given {row[4]:.3f}; oracle best share {best:+.3f}; PSNR noisy "
              f"{score['noisy']:.2f}, default {score['default']:.2f}, nothing given back "
              f"{score['none']:.2f} ({score['default'] - score['none']:+.2f}), oracle share "
              f"{score['oracle']:.2f}", flush=True)
    print("\n| task | stride | blur px | best share: estimated / oracle | share given | noisy "
          "| nothing given back | default | change |\n|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for name, stride, blur, est_best, share, best, s in rows:
        print(f"| {name} | {stride} | {blur:g} | {est_best:+.2f} / {best:+.2f} | {share:.2f} | "
              f"{s['noisy']:.2f} | {s['none']:.2f} | {s['default']:.2f} | "
              f"{s['default'] - s['none']:+.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
