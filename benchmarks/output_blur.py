"""How much noise the default output still holds: the best Gaussian blur of it, chosen with the
reference (an oracle, not a method a user can run).

For each task of the quality harness (`quality.load_tasks`) this trains the default (`fast`,
automatic stride, student where the default has one), denoises every input with ``mode="auto"``
and prints its PSNR, then the PSNR of the output blurred with the sigma (0.3-3.0 px) that scores
best against the reference, and the same for the noisy input (the `gauss-gt` anchor of
`quality.py`), and the best mix of the output with a blurred input, ``(1 - b) out + b G x``
(mixing share and blur chosen with the reference). A large gain from blurring the output says
that the output keeps pixel-level noise that a smoother output stage could still take off; a
large gain from the mix, that the network is still worse than a plain blur where the image is
smooth. For models trained at a stride above 1 it also prints the output blur the model chose
from the noisy data (`infer.correlated`) with its estimated gains (% of the noise variance),
against the true change (dB) of blurring the output without it by each of those sigmas. Example::

    python benchmarks/output_blur.py --sets strong --crop 256 --threads 1
"""

from __future__ import annotations

import time

import numpy as np
from quality import psnr, tasks_from_command_line


def _best_blur(images: list[np.ndarray], refs: list[np.ndarray], rgb: bool, top: float
               ) -> tuple[float, float]:
    """(mean PSNR, sigma) of the best Gaussian blur over `images`, one sigma for all."""
    from scipy.ndimage import gaussian_filter

    best = (-np.inf, 0.0)
    for s in np.arange(0.3, top + 0.01, 0.1):
        sigma = (s, s, 0) if rgb else s
        mean = float(np.mean([psnr(gaussian_filter(a, sigma), r)
                              for a, r in zip(images, refs, strict=True)]))
        best = max(best, (mean, round(float(s), 1)))
    return best


def _best_mix(outs: list[np.ndarray], images: list[np.ndarray], refs: list[np.ndarray],
              rgb: bool) -> tuple[float, float, float]:
    """(mean PSNR, sigma, share) of the best ``(1 - share) out + share G_sigma(noisy)`` over
    `outs`, one sigma and share for all."""
    from scipy.ndimage import gaussian_filter

    best = (-np.inf, 0.0, 0.0)
    for s in np.arange(0.5, 4.01, 0.25):
        blurred = [gaussian_filter(a, (s, s, 0) if rgb else s) for a in images]
        for b in np.arange(0.0, 1.001, 0.05):
            mean = float(np.mean([psnr((1 - b) * o + b * g, r)
                                  for o, g, r in zip(outs, blurred, refs, strict=True)]))
            best = max(best, (mean, round(float(s), 2), round(float(b), 2)))
    return best


def _chosen(model, task, axes: str) -> str:
    """The model's output blur and its estimate against the truth ("-" when not estimated)."""
    est = model.record.output_blur
    if est is None or model.noise_curve is None:
        return "-"
    import torch

    from napari_sdap.infer.correlated import SIGMAS
    from napari_sdap.infer.gaussian import gaussian

    curve = model.noise_curve
    model.noise_curve = curve.model_copy(update={"blur": 0.0})
    try:
        sharp = [model.denoise(x, axes, device="cpu") for x in task.noisy]
    finally:
        model.noise_curve = curve

    def blurred(a: np.ndarray, s: float) -> np.ndarray:
        t = torch.from_numpy(np.moveaxis(a, -1, 0)[None] if task.rgb else a[None, None])
        out = gaussian(t.float(), s)[0].numpy()
        return np.moveaxis(out, 0, -1) if task.rgb else out[0]

    base = np.mean([psnr(o, r) for o, r in zip(sharp, task.clean, strict=True)])
    true = [np.mean([psnr(blurred(o, s), r) for o, r in zip(sharp, task.clean, strict=True)])
            - base for s in SIGMAS]
    return f"{curve.blur:g} px: " + ", ".join(
        f"{s:g}: {100 * est.get(f'gain@{s:g}', np.nan):+.2f} % / {t:+.2f}"
        for s, t in zip(SIGMAS, true, strict=True))


def main() -> int:
    tasks = tasks_from_command_line(__doc__, sets="strong", crop=256)
    if tasks is None:
        return 0
    import napari_sdap

    print("| task | mode | default | blurred output (sigma) | blurred input (sigma) | "
          "output mixed with the blurred input (sigma, share) | s | "
          "output blur chosen: estimated % / true dB per sigma |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for task in tasks:
        axes = "YXC" if task.rgb else "YX"
        t0 = time.perf_counter()
        model = napari_sdap.train(task.noisy, axes, preset="fast", device="cpu")
        outs = [model.denoise(x, axes, device="cpu") for x in task.noisy]
        base = float(np.mean([psnr(o, r) for o, r in zip(outs, task.clean, strict=True)]))
        out_b = _best_blur(outs, task.clean, task.rgb, 3.0)
        in_b = _best_blur(task.noisy, task.clean, task.rgb, 4.0)
        mix = _best_mix(outs, task.noisy, task.clean, task.rgb)
        print(f"| {task.set} {task.name} | {model.resolve_mode('auto')} | {base:.2f} | "
              f"{out_b[0]:.2f} ({out_b[1]:g}) | {in_b[0]:.2f} ({in_b[1]:g}) | "
              f"{mix[0]:.2f} ({mix[1]:g}, {mix[2]:g}) | "
              f"{time.perf_counter() - t0:.0f} | {_chosen(model, task, axes)} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
