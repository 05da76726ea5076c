"""CPU denoising speed against the tile edge, per model file and mode.

Denoises one SIZE x SIZE Poisson image (`--size`) with each model (`--models`, saved model
files) in each mode (`--modes`, e.g. `auto,student,sdap_e,bsn`; modes a model lacks are left
out) at each tile edge (`--tiles`; `auto` is the shipped automatic choice), after one warm-up
call. The tiles are timed in turn, `--repeats` rounds, so that a slow spell of a shared machine
hits every tile alike; the best time of each is kept. Prints one JSON line per model and mode.
Example::

    python benchmarks/cpu_tile.py --models a.safetensors --tiles auto,128,192,256,384,512
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", required=True, help="comma-separated model files")
    ap.add_argument("--modes", default="auto")
    ap.add_argument("--tiles", default="auto,128,192,256,320,384,512")
    ap.add_argument("--size", type=int, default=2048)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch

    from napari_sdap import load_model
    from napari_sdap.errors import SdapError

    torch.set_num_threads(args.threads)
    image = np.random.default_rng(0).poisson(30, (args.size, args.size)).astype(np.uint16)
    tiles = [None if t == "auto" else int(t) for t in args.tiles.split(",")]
    for path in args.models.split(","):
        model = load_model(path)
        for mode in args.modes.split(","):
            try:
                resolved = model.resolve_mode(mode)
                model.denoise(image[:128, :128], "YX", mode=mode, device="cpu")
            except SdapError:
                continue
            best = {t: float("inf") for t in tiles}
            for _ in range(args.repeats):
                for t in tiles:
                    start = time.perf_counter()
                    model.denoise(image, "YX", mode=mode, tile=t, device="cpu")
                    best[t] = min(best[t], time.perf_counter() - start)
            print(json.dumps({"model": path, "mode": mode, "resolved": resolved,
                              "size": args.size, "threads": args.threads,
                              "mpix_s": {str(t or "auto"): round(image.size / s / 1e6, 3)
                                         for t, s in best.items()}}), flush=True)


if __name__ == "__main__":
    main()
