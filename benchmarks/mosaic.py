"""The CPU default on one large image: a 2 x 2 mosaic (1024²) of an FMD type's four frames.

Held-out check for large inputs: the default samples its noise analysis, patches and
estimates from a bounded number of windows, so a large image gets the same training steps as
a small one. Each type's frames are tiled into one image, trained on and denoised whole
(`preset="fast"`), and each quarter is scored against its reference; compare with
`quality.py --sets fmd`, which trains one model on the four frames as separate images. A type
with three unique frames repeats the first. Prints one JSON line per type.

    python benchmarks/mosaic.py --types Confocal_BPAE_B,WideField_BPAE_G
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from quality import DEFAULT_DATA, data_folder, load_tasks

import napari_sdap


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((np.clip(a, 0, 255) - b) ** 2)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--types", default="Confocal_BPAE_B,WideField_BPAE_G,TwoPhoton_MICE,"
                                      "Confocal_FISH")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    data = data_folder(args.data)
    if data is None:
        return
    import torch

    torch.set_num_threads(args.threads)
    for name in args.types.split(","):
        task = load_tasks(data, ["fmd"], [], None, None, name + "$")[0]
        frames, refs = (task.noisy * 2)[:4], (task.clean * 2)[:4]
        mosaic = np.block([[frames[0], frames[1]], [frames[2], frames[3]]]).astype(np.float32)
        t0 = time.perf_counter()
        model = napari_sdap.train(mosaic, "YX", preset="fast", device="cpu")
        out = model.denoise(mosaic, "YX", device="cpu")
        h, w = frames[0].shape
        per = [_psnr(out[y:y + h, x:x + w], r)
               for (y, x), r in zip(((0, 0), (0, w), (h, 0), (h, w)), refs, strict=True)]
        print(json.dumps({
            "type": name, "mosaic_psnr_mean": round(float(np.mean(per)), 3),
            "per": [round(v, 2) for v in per],
            "noisy": round(float(np.mean([_psnr(f, r) for f, r in zip(frames, refs,
                                                                       strict=True)])), 2),
            "stride": model.config.training.stride, "mode": model.resolve_mode("auto"),
            "student": model.student is not None,
            "s": round(time.perf_counter() - t0, 1)}), flush=True)


if __name__ == "__main__":
    main()
