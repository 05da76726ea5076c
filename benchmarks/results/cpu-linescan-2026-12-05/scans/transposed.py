"""The first two `linescan` frames transposed (the noise correlated along Y), the default on them:

    python benchmarks/results/cpu-linescan-2026-12-05/scans/transposed.py 0   # and 1
"""

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, "benchmarks")  # run from the repository root
from scan_proxies import linescan_tasks

import napari_sdap as ns

torch.set_num_threads(1)
k = int(sys.argv[1])
name, noisy, ref, _ = list(linescan_tasks(Path("../shared/data"), None))[k]
noisy, ref = np.ascontiguousarray(noisy.T), np.ascontiguousarray(ref.T)
model = ns.train(noisy, "YX", device="cpu", seed=0)
out = np.clip(model.denoise(noisy), 0, 255)
psnr = 10 * np.log10(255.0**2 / np.mean((out - ref) ** 2))
print(name, "transposed:", f"{psnr:.2f}", model.config.inference.whiten_axis,
      model.config.inference.whiten_coef, "student", model.student is not None, flush=True)
