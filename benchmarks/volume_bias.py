"""3-D models at a few photons per voxel: how far the output's mean lies below the truth.

The synthetic anisotropic cell volume of `benchmarks/volume3d.py`, or the central `--size`² of
`--planes` planes of its neuron volume (the benchmark data; skipped when absent), 0..1, is
made noisy with
Poisson noise of each of `--photons` at 1.0 plus Gaussian read noise of std `--read`, and one
`dims=3` model of the `fast` preset trains on it (the student distilled as by default). The
whole volume is denoised with the teacher (`mode="bsn"`) and by default (`auto`: the student),
and each is scored: PSNR (data range 1), the output's mean error over the volume and over its
dark part (truth below 0.2), in % of the truth's mean there::

    python -u benchmarks/volume_bias.py --photons 2,3,30 --planes 12 --size 96 --steps 120
    python -u benchmarks/volume_bias.py --volume neuron ...
    PYTHONPATH=<checkout of the commit before>/src python -u benchmarks/volume_bias.py ...

Writes one JSON line per photon level to standard output and `--out/volume_bias.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from quality import DEFAULT_DATA, ROOT, _machine
from volume3d import cell_volume, neuron_volume, noisy, psnr


def _score(y: np.ndarray, clean: np.ndarray) -> dict[str, float]:
    dark = clean < 0.2
    return {"psnr": round(psnr(y, clean), 3),
            "mean_err_pct": round(float(100 * (y.mean() - clean.mean()) / clean.mean()), 2),
            "dark_err_pct": round(float(100 * (y[dark].mean() - clean[dark].mean())
                                        / clean[dark].mean()), 2)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--volume", choices=("cells", "neuron"), default="cells")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--photons", default="2,3,30")
    p.add_argument("--read", type=float, default=0.02)
    p.add_argument("--planes", type=int, default=12)
    p.add_argument("--size", type=int, default=96)
    p.add_argument("--steps", type=int, default=120)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "volume_bias")
    args = p.parse_args()

    import torch

    import napari_sdap

    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.volume == "cells":
        clean = cell_volume(args.planes, args.size, seed=0)
    else:
        clean = neuron_volume(args.data, args.planes)
        if clean is None:
            return 0
        y0, x0 = ((n - args.size) // 2 for n in clean.shape[1:])
        clean = clean[:, y0:y0 + args.size, x0:x0 + args.size]
    with open(args.out / "volume_bias.jsonl", "a") as f:
        for photons in (float(v) for v in args.photons.split(",")):
            img = noisy(clean, photons, args.read, seed=1)
            t0 = time.perf_counter()
            model = napari_sdap.train(img, "ZYX", preset="fast", steps=args.steps, seed=0,
                                      device="cpu", dims=3)
            row = {"volume": args.volume, "photons": photons, "noisy": _score(img, clean),
                   "train_s": round(time.perf_counter() - t0, 1),
                   "correction": getattr(model.record, "volume_offset", None),
                   "version": napari_sdap.__version__, "machine": _machine("cpu")}
            for mode in ("bsn", "auto"):
                row[mode] = _score(model.denoise(img, "ZYX", mode=mode, device="cpu"), clean)
            line = json.dumps(row)
            sys.stdout.write(line + "\n")
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
