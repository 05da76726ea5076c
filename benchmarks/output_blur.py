"""How much noise the default output still holds: the best Gaussian blur of it, chosen with the
reference (an oracle, not a method a user can run).

For each task of the quality harness (`quality.load_tasks`) this trains the default (`fast`,
automatic stride, student where the default has one), denoises every input with ``mode="auto"``
and prints its PSNR, then the PSNR of the output blurred with the sigma (0.3-3.0 px) that scores
best against the reference, and the same for the noisy input (the `gauss-gt` anchor of
`quality.py`). A large gain from blurring the output says that the output keeps pixel-level
noise that a smoother output stage could still take off. Example::

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


def main() -> int:
    tasks = tasks_from_command_line(__doc__, sets="strong", crop=256)
    if tasks is None:
        return 0
    import napari_sdap

    print("| task | mode | default | blurred output (sigma) | blurred input (sigma) | s |")
    print("|---|---|---:|---:|---:|---:|")
    for task in tasks:
        axes = "YXC" if task.rgb else "YX"
        t0 = time.perf_counter()
        model = napari_sdap.train(task.noisy, axes, preset="fast", device="cpu")
        outs = [model.denoise(x, axes, device="cpu") for x in task.noisy]
        base = float(np.mean([psnr(o, r) for o, r in zip(outs, task.clean, strict=True)]))
        out_b = _best_blur(outs, task.clean, task.rgb, 3.0)
        in_b = _best_blur(task.noisy, task.clean, task.rgb, 4.0)
        print(f"| {task.set} {task.name} | {model.resolve_mode('auto')} | {base:.2f} | "
              f"{out_b[0]:.2f} ({out_b[1]:g}) | {in_b[0]:.2f} ({in_b[1]:g}) | "
              f"{time.perf_counter() - t0:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
