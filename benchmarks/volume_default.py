"""The 3-D CPU default on the neuron volume, as a user runs it: `train(dims=3)` with the
preset's steps, then `denoise`, with and without the detail restore.

Noise as in `volume_defaults.py` (`pg`: Poisson of `--photons` at 1.0 plus Gaussian std
`--read`; `zcorr`: that noise mixed between neighbouring planes). One JSON line per noise::

    PYTHONPATH=src python benchmarks/volume_default.py --noises pg,zcorr --threads 1

Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from quality import DEFAULT_DATA
from volume3d import neuron_volume, psnr
from volume_defaults import make_noisy


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--noises", default="pg,zcorr")
    p.add_argument("--planes", type=int, default=32)
    p.add_argument("--photons", type=float, default=30.0)
    p.add_argument("--read", type=float, default=0.02)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    clean = neuron_volume(args.data, args.planes)
    if clean is None:
        print(f"benchmark data not found at {args.data}; skipping (give --data PATH)")
        return 0
    import torch

    import napari_sdap

    torch.set_num_threads(args.threads)
    for kind in args.noises.split(","):
        img = make_noisy(clean, kind, args.photons, args.read, 0)
        t0 = time.perf_counter()
        model = napari_sdap.train(img, "ZYX", device="cpu", dims=3)
        train_s = time.perf_counter() - t0
        out = model.denoise(img, "ZYX", device="cpu")
        plain = model.denoise(img, "ZYX", device="cpu", detail=False)
        row = {"noise": kind, "noisy": psnr(img, clean), "default": psnr(out, clean),
               "plain": psnr(plain, clean), "train_s": round(train_s, 1),
               "mode": model.resolve_mode(), "z_step": model.config.network.z_step,
               "stride": model.config.training.stride}
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
