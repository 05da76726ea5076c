"""Scanner noise (`scan_proxies.linescan`) denoised by the default with and without whitening.

Each task: a clean FMD reference through the line-scan proxy at a decay per pixel, the default
(`fast`, CPU) trained on the noisy frame, then scored against the reference, next to the noisy
frame and the Gaussian blur whose sigma was chosen with the reference (an oracle). `--whiten`:
`auto` (the default rule), `off`, or a coefficient forced along X.

    python benchmarks/scan_whitening.py --tasks tuned --decay 0.6 --whiten auto
    python benchmarks/scan_whitening.py --tasks held --decay 0.5 --whiten off
    python benchmarks/scan_whitening.py --limit 1 --whiten off --save /tmp/scan   # for timing

`tuned`: the four frames of the `linescan` set; `held`: four other FMD references, used only
after the rule was chosen. Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from proxies import _load
from quality import DEFAULT_DATA
from scan_proxies import LINESCAN, linescan

HELD = (("fmd/gt/Confocal_MICE_1.png", 25.0), ("fmd/gt/TwoPhoton_BPAE_R_1.png", 20.0),
        ("fmd/gt/Confocal_BPAE_G_1.png", 30.0), ("fmd/gt/TwoPhoton_BPAE_B_1.png", 50.0))
SEEDS = {"tuned": 11000, "held": 13000}


def psnr(x: np.ndarray, ref: np.ndarray) -> float:
    return float(10 * np.log10(255.0**2 / np.mean((np.clip(x, 0, 255) - ref) ** 2)))


def oracle(noisy: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    """The best PSNR of a Gaussian blur over sigma 0.5-4 px, and its sigma."""
    from scipy.ndimage import gaussian_filter

    return max((psnr(gaussian_filter(noisy, s), ref), float(s))
               for s in np.arange(0.5, 4.01, 0.25))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--tasks", choices=sorted(SEEDS), default="tuned")
    p.add_argument("--decay", type=float, default=0.6)
    p.add_argument("--whiten", default="auto", help="auto, off or a coefficient along X")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, default=None, help="the first N frames only")
    p.add_argument("--save", type=Path, default=None,
                   help="save each model in this folder (for benchmarks/cpu_tile.py)")
    args = p.parse_args(argv)
    if not args.data.is_dir():
        print(f"no benchmark data at {args.data}; nothing to measure")
        return 0
    import torch

    import napari_sdap as ns
    import napari_sdap.api.training as training
    from napari_sdap.api.distillation import teacher_mode
    from napari_sdap.infer.whiten import Whitening

    torch.set_num_threads(args.threads)
    if args.whiten not in ("auto", "off"):
        forced = Whitening("X", float(args.whiten))
        training.choose_whitening = lambda cx, cy: forced
    tasks = LINESCAN if args.tasks == "tuned" else HELD
    for k, (rel, peak) in enumerate(tasks[: args.limit]):
        noisy, ref = linescan(_load(args.data / rel, None), peak, seed=SEEDS[args.tasks] + k,
                              decay=args.decay)
        t0 = time.perf_counter()
        model = ns.train(noisy, "YX", device="cpu", seed=0, whiten=args.whiten != "off")
        out = model.denoise(noisy, "YX")
        taught = ""  # the teacher's own output, where a student denoises
        if model.student is not None:
            alone = model.denoise(noisy, "YX", mode=teacher_mode(model))
            taught = f", teacher {psnr(alone, ref):.2f}"
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            model.save(args.save / f"{Path(rel).stem}_{args.decay}_{args.whiten}.safetensors",
                       overwrite=True)
        best, sigma = oracle(noisy, ref)
        noise = model.record.noise
        print(f"{Path(rel).stem}@{peak:g} decay {args.decay} whiten {args.whiten}: "
              f"default {psnr(out, ref):.2f}{taught}, noisy {psnr(noisy, ref):.2f}, "
              f"Gaussian oracle "
              f"{best:.2f} ({sigma:g} px); stride {model.config.training.stride}, coefficient "
              f"{model.config.inference.whiten_coef}, student {model.student is not None}, "
              f"read X {noise['correlation_x'][:2]} Y {noise['correlation_y'][:2]}, "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
