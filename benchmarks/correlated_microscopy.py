"""Students on correlated noise over microscopy content: FMD reference images plus 2 x 2
box-filtered Gaussian noise.

For each sample type and noise level, one `fast` model is trained with a student forced on
(`student=True`) on a centre crop of the type's reference image (the average of 50 captures)
plus noise ``sigma * (n00 + n01 + n10 + n11) / 2`` (unit-variance 2 x 2 box sums of white
Gaussian noise, so `sigma` is the noise std on the 8-bit scale and neighbours correlate by
0.5). Prints one JSON line per case: PSNR of the noisy input, the teacher (`sdap_e` with and
without the detail restore), the student, the teacher's restore share (the share of the
residual's energy ``sum(w r**2) / sum(r**2)`` its detail restore gives back on the image) and
its gate's strength.
Skips (exit 0) when the data folder is absent.

    python benchmarks/correlated_microscopy.py --types Confocal_BPAE_B,TwoPhoton_MICE --sigmas 8,20
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def case(data: Path, kind: str, sigma: float, crop: int, preset: str, seed: int) -> dict:
    from skimage.io import imread

    import napari_sdap

    y = np.asarray(imread(data / "fmd" / "gt" / f"{kind}_1.png"), np.float64)
    h, w = y.shape
    y = y[(h - crop) // 2 : (h + crop) // 2, (w - crop) // 2 : (w + crop) // 2]
    n = np.random.default_rng(seed).normal(0.0, 1.0, (y.shape[0] + 1, y.shape[1] + 1))
    n = (n[:-1, :-1] + n[1:, :-1] + n[:-1, 1:] + n[1:, 1:]) / 2.0
    x = (y + sigma * n).astype(np.float32)

    def psnr(a: np.ndarray) -> float:
        return round(float(10 * np.log10(255.0**2 / np.mean((a - y) ** 2))), 3)

    m = napari_sdap.train(x, "YX", preset=preset, device="cpu", seed=seed, student=True)
    restored = m.denoise(x, "YX", mode="sdap_e")
    mu = m.denoise(x, "YX", mode="sdap_e", detail=False)
    r = x - mu  # the restore adds w * r to mu: the share of the residual's energy it gives back
    share = float(np.sum((restored - mu) * r) / max(float(np.sum(r * r)), 1e-12))
    return {"type": kind, "sigma": sigma, "noisy": psnr(x), "stride": m.config.training.stride,
            "restore_share": round(share, 4), "strength": m.noise_curve.strength,
            "teacher": psnr(restored), "teacher_plain": psnr(mu),
            "student": psnr(m.denoise(x, "YX", mode="student")) if m.student else None}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--types", default="Confocal_BPAE_B,TwoPhoton_MICE,WideField_BPAE_G")
    p.add_argument("--sigmas", default="8,20")
    p.add_argument("--crop", type=int, default=256)
    p.add_argument("--preset", default="fast")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if not (args.data / "fmd" / "gt").is_dir():
        print(f"skipped: no FMD references under {args.data}", file=sys.stderr)
        return 0
    import torch

    torch.set_num_threads(args.threads)
    for kind in args.types.split(","):
        for sigma in (float(s) for s in args.sigmas.split(",")):
            print(json.dumps(case(args.data, kind, sigma, args.crop, args.preset, args.seed)),
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
