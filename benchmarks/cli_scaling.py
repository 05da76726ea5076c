"""Throughput of `napari-sdap denoise` on 1 vs 2 dask workers (CPU), steady state and end to end.

Generates a batch of noisy ZYX float32 TIFF stacks in a temporary folder, trains a small model
on one of them, then times the same denoise batch:

* end to end: ``napari-sdap denoise ... --workers N`` (includes starting the local cluster);
* steady state: the batch sent with ``--scheduler`` to an already running local cluster of N
  worker processes that has denoised one file before (torch imported, model loaded).

Every configuration runs with ``--threads 1`` (one torch thread per worker), so the speed-up
measures distribution, not intra-op threading. Run with `nice` on shared machines::

    PYTHONPATH=src nice python benchmarks/cli_scaling.py --files 8 --planes 4 --size 256
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np


def make_batch(folder: Path, files: int, planes: int, size: int) -> list[Path]:
    import tifffile

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    paths = []
    for i in range(files):
        stack = np.empty((planes, size, size), np.float32)
        for z in range(planes):
            img = 0.3 * (xx > size / 2)
            for _ in range(12):
                cy, cx, r = (*rng.uniform(0, size, 2).tolist(), rng.uniform(4, 20))
                img = img + np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
            stack[z] = img / img.max() + rng.normal(0, 0.1, (size, size))
        path = folder / f"stack{i:03d}.tif"
        tifffile.imwrite(path, stack, imagej=True, metadata={"axes": "ZYX"})
        paths.append(path)
    return paths


def timed(argv: list[str]) -> float:
    from napari_sdap.cli import main

    t0 = time.perf_counter()
    code = main(argv)
    if code != 0:
        raise SystemExit(f"napari-sdap {' '.join(argv)} failed with exit code {code}")
    return time.perf_counter() - t0


def _cpu_seconds() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def steady(workers: int, base: list[str], out: Path, model: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds used by the workers) of the batch on a warm cluster."""
    from distributed import Client, LocalCluster

    from napari_sdap.cli.jobs import load_cached_model
    from napari_sdap.cli.record import sha256_file

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        with Client(cluster) as client:  # warm-up: every worker imports torch, loads the model
            client.run(lambda: load_cached_model(str(model), sha256_file(model)) and None)
            cpu0 = sum(client.run(_cpu_seconds).values())
            wall = timed([*base, "--output", str(out), "--scheduler", cluster.scheduler_address])
            return wall, sum(client.run(_cpu_seconds).values()) - cpu0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--files", type=int, default=8)
    p.add_argument("--planes", type=int, default=4)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--preset", default="fast")
    p.add_argument("--width", type=int, default=None)
    p.add_argument("--blocks", type=int, default=None)
    p.add_argument("--repeats", type=int, default=1)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "raw").mkdir()
        paths = make_batch(root / "raw", args.files, args.planes, args.size)
        model = root / "model.safetensors"
        extra = [f"--{k}={v}" for k in ("width", "blocks") if (v := getattr(args, k))]
        timed(["train", str(paths[0]), "--model", str(model), "--preset", args.preset,
               "--steps", "2", "--stride", "2", "-q", *extra])
        base = ["denoise", str(root / "raw"), "--model", str(model), "--threads", "1", "-q"]
        mpix = args.files * args.planes * args.size**2 / 1e6
        rows = {}
        load0 = os.getloadavg()[0]
        for n in (1, 2):
            e2e = [timed([*base, "--output", str(root / f"e2e{n}_{r}"), "--workers", str(n)])
                   for r in range(args.repeats)]
            st = [steady(n, base, root / f"steady{n}_{r}", model)
                  for r in range(args.repeats)]
            wall, cpu = min(st)
            rows[n] = (min(e2e), wall, cpu)
        print(f"batch: {args.files} files x {args.planes} x {args.size}x{args.size} float32 "
              f"({mpix:.2f} Mpix), preset {args.preset} {' '.join(extra)}, torch threads 1/worker")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average (1 min) "
              f"{load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
        print("| workers | end to end (s) | Mpix/s | steady state (s) | Mpix/s "
              "| worker CPU s | CPU cores obtained |")
        print("|---|---|---|---|---|---|---|")
        for n, (e, s, c) in rows.items():
            print(f"| {n} | {e:.1f} | {mpix / e:.3f} | {s:.1f} | {mpix / s:.3f} | {c:.1f} "
                  f"| {c / s:.2f} |")
        print(f"speed-up 2 vs 1 worker: end to end {rows[1][0] / rows[2][0]:.2f}x, "
              f"steady state {rows[1][1] / rows[2][1]:.2f}x")


if __name__ == "__main__":
    main()
