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

import argparse
import time
from pathlib import Path

import numpy as np
from quality import DEFAULT_DATA, load_tasks


def _psnr(a: np.ndarray, ref: np.ndarray) -> float:
    a = np.clip(a, 0, 255).astype(np.float64)
    return float(10 * np.log10(255.0**2 / np.mean((a - ref.astype(np.float64)) ** 2)))


def _best_blur(images: list[np.ndarray], refs: list[np.ndarray], rgb: bool, top: float
               ) -> tuple[float, float]:
    """(mean PSNR, sigma) of the best Gaussian blur over `images`, one sigma for all."""
    from scipy.ndimage import gaussian_filter

    best = (-np.inf, 0.0)
    for s in np.arange(0.3, top + 0.01, 0.1):
        sigma = (s, s, 0) if rgb else s
        psnr = float(np.mean([_psnr(gaussian_filter(a, sigma), r)
                              for a, r in zip(images, refs, strict=True)]))
        best = max(best, (psnr, round(float(s), 1)))
    return best


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--sets", default="strong")
    p.add_argument("--noises", default="white", help="synthetic noises for set12/bsd68")
    p.add_argument("--only")
    p.add_argument("--limit", type=int)
    p.add_argument("--crop", type=int, default=256)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    if not args.data.is_dir():
        print(f"benchmark data not found at {args.data}; skipping")
        return 0
    import torch

    import napari_sdap

    torch.set_num_threads(args.threads)
    tasks = load_tasks(args.data, args.sets.split(","), args.noises.split(","), args.limit,
                       args.crop, args.only)
    print("| task | mode | default | blurred output (sigma) | blurred input (sigma) | s |")
    print("|---|---|---:|---:|---:|---:|")
    for task in tasks:
        axes = "YXC" if task.rgb else "YX"
        t0 = time.perf_counter()
        model = napari_sdap.train(task.noisy, axes, preset="fast", device="cpu")
        outs = [model.denoise(x, axes, device="cpu") for x in task.noisy]
        base = float(np.mean([_psnr(o, r) for o, r in zip(outs, task.clean, strict=True)]))
        out_b = _best_blur(outs, task.clean, task.rgb, 3.0)
        in_b = _best_blur(task.noisy, task.clean, task.rgb, 4.0)
        print(f"| {task.set} {task.name} | {model.resolve_mode('auto')} | {base:.2f} | "
              f"{out_b[0]:.2f} ({out_b[1]:g}) | {in_b[0]:.2f} ({in_b[1]:g}) | "
              f"{time.perf_counter() - t0:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
