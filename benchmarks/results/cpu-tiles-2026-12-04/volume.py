"""A 3-D model's CPU speed at tiles of 256 and 512: `python volume.py [MODE]` (default: auto,
the student; the teacher with `bsn`), two alternating rounds, MVox/s."""

import sys
import time

import numpy as np
import torch

import napari_sdap

torch.set_num_threads(2)
mode = sys.argv[1] if len(sys.argv) > 1 else "auto"
train = np.random.default_rng(1).poisson(30, (8, 256, 256)).astype(np.float32)
m = napari_sdap.train(train, "ZYX", device="cpu", dims=3, steps=10, student_steps=10)
print(m, m.resolve_mode(mode))
vol = np.random.default_rng(0).poisson(30, (6, 1024, 1024)).astype(np.float32)
m.denoise(vol[:3, :128, :128], "ZYX", device="cpu", mode=mode)
for _ in range(2):
    for tile in [256, 512]:
        t = time.perf_counter()
        m.denoise(vol, "ZYX", tile=tile, device="cpu", mode=mode)
        dt = time.perf_counter() - t
        print(tile, f"{vol.size / dt / 1e6:.3f} MVox/s", flush=True)
