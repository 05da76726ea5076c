"""The detail restore gate's noise reading for models whose noise is still correlated at the
training stride: the default output with the gate's curve scaled up to the input's variogram
(shipped, `infer.noise_reach.gate_scale`) against the same model without the scale, and what
the gate's curve reads against the truth.

For each task this trains the default (`fast`; with ``--models DIR`` the trained models are
kept there and reused), then, with and without the scale, measures the noise curve and gate
again as a training does when it ends (`api.noise_curve.measure_noise_curve`), chooses the
output blur again (`api.output_blur`) and prints the gate (threshold, strength), the blurs,
the PSNR of the restore alone (no blurs) and of the default output, mean over the task's
images. With ``--truth`` it also prints, over whole images at the gate's base threshold, the
gate's curve read at each pixel against the term Stein's estimate stands for, ``r * n`` with
the true noise ``n = x - reference`` (the ratio the scale makes up for), and against the
true variance, each weighted by the restore's gain ``g`` (where the gate gives back).

    python benchmarks/gate_reading.py --sets polyu --only 'NikonD800_5_125_6400_stair_10$' \\
        --models MODELS --truth
"""

from __future__ import annotations

import sys

import numpy as np
from quality import psnr

TRUTH = "--truth" in sys.argv


def main() -> int:
    import torch
    from blur_reading import correlated_models

    import napari_sdap.api.noise_curve as nc
    from napari_sdap.api.inputs import prepare_all
    from napari_sdap.api.output_blur import output_blur

    cpu = torch.device("cpu")
    shipped = nc.reach_start
    argv = [a for a in sys.argv[1:] if a != "--truth"]
    for task, name, axes, model in correlated_models(__doc__.split("\n")[0], argv):
        sources = [(q.array, q.view) for q in prepare_all(list(task.noisy), axes)]
        cells = [f"noisy {mean_psnr(task.noisy, task.clean):.2f}",
                 f"network alone {denoised(model, task, axes, None, detail=False):.2f}"]
        for scaled in (False, True):
            nc.reach_start = shipped if scaled else (lambda r: shipped(r)._replace(rescale=False))
            try:
                model.noise_curve, gate = measure(model, sources, cpu)
            finally:
                nc.reach_start = shipped
            output_blur(model, sources, cpu)
            c = model.noise_curve
            bare = c.model_copy(update={"blur": 0.0, "colour_blur": 0.0})
            cells.append(f"{'scaled' if scaled else 'unscaled'}: threshold {c.threshold:g} "
                         f"strength {c.strength:.2f} blur {c.blur:g} colour {c.colour_blur:g} "
                         f"restore alone {denoised(model, task, axes, bare):.2f} "
                         f"default {denoised(model, task, axes, c):.2f}")
            if TRUTH:
                cells[-1] += " " + truth_ratios(model, task, axes, c, gate)
        reach = model.noise_curve.reach
        print(f"{name} (stride {model.config.training.stride}, correlation at the stride "
              f"{'unread' if reach is None else f'{reach:.2f}'}) | " + " | ".join(cells),
              flush=True)
    return 0


def measure(model, sources, cpu):
    """(the model's noise curve, measured as a training does when it ends, and the gate's curves
    per channel of group 0 from the same measurement, watched in `choose_gate`)."""
    import napari_sdap.api.noise_curve as nc
    import napari_sdap.infer.curve as cv

    seen, choose = {}, cv.choose_gate

    def watch(held, curve, noise, base=1.0):
        seen.setdefault("noise", noise)  # the first call is the model curve's gate
        return choose(held, curve, noise, base)

    cv.choose_gate = watch
    try:
        curve = nc.measure_noise_curve(model, sources, cpu)[0]
    finally:
        cv.choose_gate = choose
    return curve, seen["noise"][0]


def truth_ratios(model, task, axes, curve, gate) -> str:
    """The gate's reading over ``r n`` and over the true variance, weighted by the gain at the
    curve's base threshold, over whole images (channel group 0)."""
    import torch

    from napari_sdap.api.noise_curve import reach_start
    from napari_sdap.infer.gate import noise_at
    from napari_sdap.infer.refine import blend_gain, local_energy

    base = reach_start(curve.reach).threshold
    lo, sc = model.normalization.scale(0)
    read = cross = var = 0.0
    for xi, yi in zip(task.noisy, task.clean, strict=True):
        mu = model.denoise(xi, axes, device="cpu", detail=False).astype(np.float64)
        x, y = np.asarray(xi, np.float64), np.asarray(yi, np.float64)
        if x.ndim == 2:
            x, y, mu = x[..., None], y[..., None], mu[..., None]
        for c in range(x.shape[-1]):
            xn, yn, mn = ((a[..., c] - lo) / sc for a in (x, y, mu))
            r, n = xn - mn, xn - yn
            energy = local_energy(torch.from_numpy(r)[None, None])[0, 0]
            s2 = torch.from_numpy(np.interp(mn, curve.levels[0][c], curve.variance[0][c]))
            g = blend_gain(torch.from_numpy(r * r), energy, s2, base).numpy()
            edges = np.quantile(yn, np.linspace(0, 1, 17))
            index = np.clip(np.searchsorted(edges, yn, side="right") - 1, 0, 15)
            true_var = np.array([np.mean(n[index == b] ** 2) if np.any(index == b) else 0.0
                                 for b in range(16)])[index]
            read += float(np.sum(g * noise_at(xn, *gate[c])))
            cross += float(np.sum(g * r * n))
            var += float(np.sum(g * true_var))
    return (f"(gate's curve / r n {read / max(cross, 1e-30):.2f}, / true variance "
            f"{read / max(var, 1e-30):.2f}, r n / true variance {cross / max(var, 1e-30):.2f})")


def denoised(model, task, axes, curve, detail: bool = True) -> float:
    """Mean PSNR of the model's default output with `curve` (None: the model's own)."""
    if curve is not None:
        model.noise_curve = curve
    outs = [model.denoise(x, axes, device="cpu", detail=detail) for x in task.noisy]
    return mean_psnr(outs, task.clean)


def mean_psnr(outs, refs) -> float:
    return float(np.mean([psnr(o, r) for o, r in zip(outs, refs, strict=True)]))


if __name__ == "__main__":
    raise SystemExit(main())
