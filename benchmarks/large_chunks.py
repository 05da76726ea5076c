"""Denoising and training on dask arrays whose chunks are much larger than a tile.

Reading a tile of a dask array computes every chunk it touches, whole. Without a cache, a
chunk holding a whole stack or plane was computed again for every tile (and, in training, for
every random patch). `napari_sdap.chunk_cache` keeps the chunks read last; this script counts
the chunk computes and times denoising and training with it and without it (the cache
bypassed), against the same pixels in memory. Pixels are checked equal.

    PYTHONPATH=src python benchmarks/large_chunks.py --threads 1
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np


def _counted(image: np.ndarray, chunks: tuple[int, ...], calls: list[int],
             wait_s: float) -> Any:
    import dask.array as da

    def block(b: np.ndarray) -> np.ndarray:
        calls.append(1)
        time.sleep(wait_s)  # what reading the chunk costs (a network disk, a decompression)
        return b * 1.0

    return da.from_array(image, chunks=chunks).map_blocks(block, dtype=image.dtype)


def _bypass(on: bool) -> None:
    """Read dask arrays through the cache (`on`) or as they are."""
    from napari_sdap import chunk_cache
    from napari_sdap.infer import stream
    from napari_sdap.training import patches

    stream.chunk_cached = chunk_cache.chunk_cached if on else (lambda a, w: a)
    patches.whole_cached = chunk_cache.whole_cached if on else (lambda a, w: a)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--planes", type=int, default=16)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--chunk-ms", type=float, default=200.0,
                    help="time each chunk takes to make (default 200: 16 MB at 80 MB/s)")
    args = ap.parse_args()
    import torch

    import napari_sdap

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(1)
    stack = (100 + rng.normal(0, 10, (args.planes, args.size, args.size))).astype(np.float32)
    model = napari_sdap.train(stack[0, :96, :96], "YX", preset="fast", steps=10, device="cpu")
    model.denoise(stack[0, :64, :64], "YX", device="cpu")  # (warm up)
    wait = args.chunk_ms / 1000
    results: dict[str, Any] = {"shape": list(stack.shape), "threads": args.threads,
                               "chunk ms": args.chunk_ms}

    t = time.perf_counter()
    reference = model.denoise(stack, "ZYX", device="cpu")
    results["denoise in memory s"] = round(time.perf_counter() - t, 2)
    for name, on in (("cached", True), ("uncached", False)):
        _bypass(on)
        calls: list[int] = []
        t = time.perf_counter()
        out = model.denoise(_counted(stack, stack.shape, calls, wait), "ZYX", device="cpu")
        results[f"denoise {name} s"] = round(time.perf_counter() - t, 2)
        results[f"denoise {name} computes"] = len(calls)
        results[f"denoise {name} equal"] = bool(np.array_equal(out, reference))
    small = stack[: max(args.planes // 2, 1)]
    for name, on in (("cached", True), ("uncached", False)):
        _bypass(on)
        calls = []
        t = time.perf_counter()
        napari_sdap.train(_counted(small, small.shape, calls, wait), "ZYX", preset="tiny",
                          steps=args.steps, stride=1, student=False, device="cpu")
        results[f"train {name} s"] = round(time.perf_counter() - t, 2)
        results[f"train {name} computes"] = len(calls)
    _bypass(True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
