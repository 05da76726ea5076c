"""Noise2Void baseline through CAREamics, for `benchmarks/quality.py --methods ...,n2v`.

Runs in its own interpreter (CAREamics needs torchvision, which the project's CPU torch lacks):
quality.py writes the noisy frames of one task to an ``.npz`` (``noisy``: S x Y x X, or
S x Y x X x C for RGB), calls this script with ``--n2v-python``, and reads the denoised frames back.
Training is stopped by wall clock (Lightning ``Timer``), so N2V gets the same time budget as SDAP.
CAREamics' default N2V network (2-level U-Net, 32 features, N2V pixel manipulation at 0.2 %)::

    /path/to/careamics-env/bin/python benchmarks/n2v_careamics.py in.npz out.npz --budget 100
    /path/to/careamics-env/bin/python benchmarks/n2v_careamics.py in.npz out.npz --budget 100 \
        --volume --batch 8      # one Z x Y x X stack, CAREamics' 3-D N2V

Set up such an environment (CPU machine; pulls CUDA torch + torchvision, ~3 GB)::

    python3 -m venv n2venv && n2venv/bin/pip --isolated install careamics==0.3.5 torchvision
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np


def run_n2v(noisy: list[np.ndarray], budget: float, python: str | None = None,
            threads: int | None = None, seed: int = 0,
            volume: bool = False) -> tuple[list[np.ndarray], dict]:
    """Train N2V on `noisy` (same-shaped frames; with `volume`, one Z x Y x X stack trained with
    CAREamics' 3-D N2V) for `budget` wall seconds in the CAREamics interpreter `python`
    (default: $SDAP_N2V_PYTHON, else this one); denoised frames + info."""
    python = python or os.environ.get("SDAP_N2V_PYTHON") or sys.executable
    with tempfile.TemporaryDirectory() as d:
        np.savez(f"{d}/in.npz", noisy=np.stack(noisy).astype(np.float32))
        cmd = [python, str(Path(__file__)), f"{d}/in.npz", f"{d}/out.npz", "--budget",
               str(budget), "--seed", str(seed)] + (["--threads", str(threads)] if threads else [])
        cmd += ["--volume", "--batch", "8"] if volume else []
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"N2V (CAREamics) failed: {done.stderr.strip()[-800:]}")
        info = json.loads(done.stdout.strip().splitlines()[-1])
        out = np.load(f"{d}/out.npz")["denoised"]
    return list(out), info


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("inp")
    p.add_argument("out")
    p.add_argument("--budget", type=float, required=True, help="training wall seconds")
    p.add_argument("--patch", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps-per-epoch", type=int, default=25)
    p.add_argument("--threads", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--volume", action="store_true",
                   help="the input is one Z x Y x X stack: 3-D N2V (Z patch --z-patch)")
    p.add_argument("--z-patch", type=int, default=16)
    a = p.parse_args(argv)

    import torch
    from careamics import CAREamist
    from careamics.config import create_n2v_config
    from lightning.pytorch.callbacks import Timer

    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    noisy = np.load(a.inp)["noisy"].astype(np.float32)
    rgb = noisy.ndim == 4 and not a.volume
    if a.volume:  # one stack: CAREamics trains its 3-D U-Net on Z x Y x X patches
        noisy = noisy.reshape(noisy.shape[-3:])
    axes = "ZYX" if a.volume else "SYXC" if rgb else "SYX"
    patch = [a.z_patch, a.patch, a.patch] if a.volume else [a.patch, a.patch]
    yx = noisy.shape[1:3] if rgb else noisy.shape[-2:]  # S x Y x X (x C)
    patches = (noisy.shape[0] // (a.z_patch if a.volume else 1)) * (yx[0] // a.patch) * (
        yx[1] // a.patch)
    cfg = create_n2v_config(
        experiment_name="n2v_baseline", data_type="array", axes=axes,
        patch_size=patch, batch_size=a.batch, num_epochs=100_000,
        num_steps=a.steps_per_epoch, n_val_patches=max(1, min(8, patches // 4)),
        n_channels=noisy.shape[-1] if rgb else None)
    timer = Timer(duration=timedelta(seconds=a.budget), interval="step")
    with tempfile.TemporaryDirectory() as work:
        engine = CAREamist(cfg, work_dir=work, callbacks=[timer], enable_progress_bar=False)
        t0 = time.perf_counter()
        engine.train(train_data=noisy)
        train_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        tile = min(256, *yx)
        tiled = tile < max(yx) and not a.volume  # a benchmark stack fits whole
        outs, _ = engine.predict(noisy, axes=axes, data_type="array",
                                 tile_size=(tile, tile) if tiled else None,
                                 tile_overlap=(48, 48) if tiled else None)
        infer_s = time.perf_counter() - t1
        steps = int(engine.trainer.global_step) if engine.trainer is not None else -1
    outs = outs if isinstance(outs, list) else [outs]
    pred = np.concatenate([np.asarray(o, np.float32).reshape(-1, *noisy.shape[1:])
                           for o in outs])
    np.savez(a.out, denoised=pred.reshape(noisy.shape))
    print(json.dumps({"train_s": round(train_s, 1), "infer_s": round(infer_s, 1),
                      "steps": steps, "patch": a.patch, "batch": a.batch}))


if __name__ == "__main__":
    main()
