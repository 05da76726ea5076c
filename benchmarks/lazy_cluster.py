"""A lazy result (`denoise(..., lazy=True)`) computed on a local cluster of worker processes:
seconds for all tiles, and whether the pixels equal an eager denoising.

    python benchmarks/lazy_cluster.py --size 2048 --tile 256 --planes 1 --preset tiny

Needs dask.distributed (the `distributed` extra).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--planes", type=int, default=4)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--tile", type=int, default=128)
    p.add_argument("--preset", default="fast")
    args = p.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    import napari_sdap

    rng = np.random.default_rng(0)
    image = (100 + rng.normal(0, 10, (args.planes, args.size, args.size))).astype(np.float32)
    model = napari_sdap.train(image[0, :128, :128], "YX", preset=args.preset, steps=2,
                              student=False, device="cpu")
    eager = model.denoise(image, "ZYX", tile=args.tile)
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        lazy = model.denoise(image, "ZYX", tile=args.tile, lazy=True)
        t0 = time.perf_counter()
        out = lazy.compute()
        seconds = time.perf_counter() - t0
    print(f"{lazy.npartitions} tiles on {args.workers} worker processes: {seconds:.2f} s, "
          f"equal to eager: {np.array_equal(out, eager)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
