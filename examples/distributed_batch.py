"""Denoise a batch on a dask.distributed cluster from Python (here: 2 local worker processes).

Generates small noisy stacks in a temporary folder, trains a tiny model, starts a LocalCluster
and runs the same `napari-sdap denoise` batch on it through `--scheduler`. On a SLURM cluster,
replace the LocalCluster by dask_jobqueue.SLURMCluster (see docs/cli.md); nothing else changes.

    python examples/distributed_batch.py
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import numpy as np
import tifffile
from distributed import LocalCluster

from napari_sdap.cli import main


def make_stacks(folder: Path, n: int = 4) -> None:
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:64, 0:64]
    for i in range(n):
        clean = np.zeros((4, 64, 64))
        for z in range(4):
            for cy, cx in rng.uniform(8, 56, (5, 2)):
                clean[z] += 200 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 30)
        noisy = rng.poisson(clean + 20).astype(np.float32)
        tifffile.imwrite(folder / f"embryo_{i}.tif", noisy, imagej=True,
                         metadata={"axes": "ZYX"})


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw, out, model = Path(tmp, "raw"), Path(tmp, "denoised"), Path(tmp, "m.safetensors")
        raw.mkdir()
        make_stacks(raw)
        assert main(["train", str(raw / "embryo_0.tif"), "--model", str(model),
                     "--preset", "tiny", "--steps", "20", "--device", "cpu"]) == 0
        # one worker per GPU on a GPU machine; here two CPU processes with one thread each
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=logging.ERROR) as cluster:
            code = main(["denoise", str(raw), "--model", str(model), "--output", str(out),
                         "--scheduler", cluster.scheduler_address, "--threads", "1",
                         "--split-mpix", "0.01"])  # tiny threshold: show plane-range splitting
        print("exit code", code)
        record = json.loads((out / "sdap_run.json").read_text())
        for name, entry in sorted(record["files"].items()):
            workers = entry.get("piece_workers", [f"{entry['host']}:{entry['pid']}"])
            print(f"{name}: {entry['status']}, {entry['pieces']} piece(s) on {workers}")


if __name__ == "__main__":
    run()
