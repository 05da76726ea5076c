"""Raw photon counts (a photon-counting detector: pure Poisson, gain 1, no read noise, many
zeros), the CPU default against the noisy input and a Gaussian blur tuned on the reference.

Each task is a 256² centre crop of an FMD reference scaled to `PEAK` photons at 255, drawn as
Poisson counts and stored as uint16. PSNR on the reference's 0-255 scale; `mean error` is the
output's mean minus the reference's (grey levels)::

    python benchmarks/photon_counts.py --only Confocal_BPAE_B,TwoPhoton_MICE,Confocal_FISH
    python benchmarks/photon_counts.py --loss l1      # the loss before photon counts were read

Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from quality import data_folder, psnr

PEAKS = {"Confocal_BPAE_B": 30.0, "TwoPhoton_MICE": 15.0, "Confocal_FISH": 20.0}
"""Photons at 255 per reference (a few photons per pixel: most of the background is 0)."""


def _oracle(noisy: np.ndarray, ref: np.ndarray) -> float:
    from scipy.ndimage import gaussian_filter

    return max(psnr(np.clip(gaussian_filter(noisy, s), 0, 255), ref)
               for s in (0.5, 0.7, 1.0, 1.5, 2.0, 2.5, 3.0))


def main() -> int:
    import torch
    from imageio.v3 import imread

    import napari_sdap

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--only", default=",".join(PEAKS))
    p.add_argument("--loss", default=None, help="force the training loss (l1 or l2)")
    args = p.parse_args()
    data = data_folder(args.data)
    if data is None:
        return 0
    torch.set_num_threads(1)
    for name in args.only.split(","):
        ref = imread(data / "fmd" / "gt" / f"{name}_1.png").astype(np.float64)
        h, w = ref.shape
        ref = ref[h // 2 - 128: h // 2 + 128, w // 2 - 128: w // 2 + 128]
        peak = PEAKS[name]
        counts = np.random.default_rng(1).poisson(ref / 255 * peak).astype(np.uint16)
        t0 = time.perf_counter()
        extra = {"loss": args.loss} if args.loss else {}
        model = napari_sdap.train(counts, "YX", device="cpu", **extra)
        out = model.denoise(counts, "YX", device="cpu") * 255 / peak
        noisy = counts * 255 / peak
        row = {"name": name, "peak": peak, "zeros": round(float((counts == 0).mean()), 3),
               "loss": model.config.training.loss, "noisy": round(psnr(noisy, ref), 2),
               "default": round(psnr(np.clip(out, 0, 255), ref), 2),
               "oracle": round(_oracle(noisy, ref), 2),
               "mean_error": round(float(out.mean() - ref.mean()), 2),
               "seconds": round(time.perf_counter() - t0, 1)}
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
