"""The 3-D default against the 2-D default and CAREamics' 3-D Noise2Void, at equal wall time.

Volumes and noise as in `volume3d.py` (the neuron volume of the benchmark data and a synthetic
anisotropic cell volume, 0..1, Poisson noise of `--photons` at 1.0 plus Gaussian read noise of
std `--read`); `--noises zcorr` mixes that noise between neighbouring planes
(e_z + 0.6 e_{z-1}, rescaled to the same std), as resampling along Z does. Each method trains
with the same wall-clock budget on the noisy volume and denoises it:

- ``2d``: `train(dims=2, time_budget=B)` -- the whole default pipeline (teacher, student),
  with step counts high enough that both stages fill the budget (`STEPS`);
- ``3d``: `train(dims=3, time_budget=B)` -- the same for the 3-D network;
- ``n2v3d``: CAREamics N2V with its 3-D U-Net, stopped after B seconds
  (`n2v_careamics.py --volume`, in the interpreter named by ``$SDAP_N2V_PYTHON``; skipped
  when it is not set).

PSNR over the whole volume (data range 1)::

    PYTHONPATH=src SDAP_N2V_PYTHON=n2venv/bin/python python -u benchmarks/volume_defaults.py \\
        --budget 150 --noises pg,zcorr --threads 2

Writes ``--out/volume_defaults.json``; the neuron volume is skipped when the data folder is
absent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from n2v_careamics import run_n2v
from quality import DEFAULT_DATA, ROOT, _machine
from volume3d import cell_volume, neuron_volume, noisy, psnr, volume_args

MIX = 0.6
"""Weight of the previous plane's noise in the Z-correlated noise."""
STEPS = 5000
"""Upper bound of the teacher's steps (the student's: twice as many) within the budget."""


def make_noisy(clean: np.ndarray, kind: str, photons: float, read: float, seed: int
               ) -> np.ndarray:
    """`clean` with Poisson-Gaussian noise (`pg`), or that noise mixed along Z (`zcorr`)."""
    img = noisy(clean, photons, read, seed)
    if kind == "pg":
        return img
    if kind != "zcorr":
        raise SystemExit(f"unknown noise {kind!r}: use pg or zcorr")
    e = img - clean
    mixed = e.copy()
    mixed[1:] += MIX * e[:-1]
    mixed[0] += MIX * e[-1]  # wrap around, so every plane has the same noise level
    return (clean + mixed / np.sqrt(1 + MIX ** 2)).astype(np.float32)


def sdap(img: np.ndarray, dims: int, budget: float, seed: int) -> tuple[np.ndarray, dict]:
    """Train the default pipeline for `budget` seconds: the step counts are upper bounds high
    enough that the budget, not the preset's steps, ends both stages."""
    import napari_sdap

    w0 = time.perf_counter()
    model = napari_sdap.train(img, "ZYX", device="cpu", dims=dims, time_budget=budget,
                              seed=seed, steps=STEPS, student_steps=2 * STEPS)
    train_s = time.perf_counter() - w0
    w1 = time.perf_counter()
    out = model.denoise(img, "ZYX", device="cpu")
    n = model.config.network
    return out, {"train_wall_s": train_s, "denoise_wall_s": time.perf_counter() - w1,
                 "steps": model.record.steps, "student_steps": model.record.student_steps,
                 "mode": model.resolve_mode(), "stride": model.config.training.stride,
                 "z_step": n.z_step if n.dims == 3 else None, "why": model.record.dims}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cpu-volume3d")
    p.add_argument("--budget", type=float, default=150.0, help="wall seconds per method")
    p.add_argument("--noises", default="pg,zcorr")
    p.add_argument("--volumes", default="neuron,cells")
    p.add_argument("--methods", default="2d,3d,n2v3d")
    volume_args(p)
    args = p.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    wanted = args.volumes.split(",")
    volumes = []
    if "neuron" in wanted and (neuron := neuron_volume(args.data, args.planes)) is not None:
        volumes.append(("neuron", neuron))
    if "cells" in wanted:
        volumes.append(("cells", cell_volume(args.planes, args.size, args.seed)))
    methods = args.methods.split(",")
    if "n2v3d" in methods and not os.environ.get("SDAP_N2V_PYTHON"):
        print("skipping n2v3d: set SDAP_N2V_PYTHON to an interpreter with CAREamics")
        methods.remove("n2v3d")
    rows = []
    for name, clean in volumes:
        for kind in args.noises.split(","):
            img = make_noisy(clean, kind, args.photons, args.read, args.seed)
            row: dict = {"volume": name, "noise": kind, "shape": list(img.shape),
                         "noisy_psnr": psnr(img, clean)}
            print(f"{name} / {kind} {img.shape}: noisy {row['noisy_psnr']:.2f} dB", flush=True)
            for method in methods:
                if method == "n2v3d":
                    outs, info = run_n2v([img], args.budget, threads=args.threads,
                                         seed=args.seed, volume=True)
                    out = np.stack(outs).reshape(img.shape)  # the planes of the one stack
                else:
                    out, info = sdap(img, int(method[0]), args.budget, args.seed)
                info["psnr"] = psnr(out, clean)
                row[method] = info
                print(f"  {method}: {info['psnr']:.2f} dB  {json.dumps(info)}", flush=True)
            if "2d" in row and "3d" in row:
                row["gain_db"] = row["3d"]["psnr"] - row["2d"]["psnr"]
                print(f"  3-D - 2-D: {row['gain_db']:+.2f} dB", flush=True)
            rows.append(row)
    result = {"machine": _machine("cpu"), "args": {k: str(v) for k, v in vars(args).items()},
              "rows": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "volume_defaults.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
