"""The whitening coefficient scanned by hand, before whitening was part of the training: each
`linescan` frame whitened along X with the coefficient given, the default trained on it and
denoised, the output filtered back (scipy's full AR(1) filter), scored against the reference.

    PYTHONPATH=benchmarks python benchmarks/results/cpu-linescan-2026-12-05/scans/manual_coef.py 0.5
"""

import sys
from pathlib import Path

import numpy as np
import torch
from scan_proxies import linescan_tasks
from scipy.signal import lfilter

import napari_sdap as ns

torch.set_num_threads(1)
a = float(sys.argv[1])
for name, noisy, ref, _ in linescan_tasks(Path("../shared/data"), None):
    w = lfilter([1.0, -a], [1.0 - a], noisy.astype(np.float64), axis=1).astype(np.float32)
    model = ns.train(w, "YX", device="cpu", seed=0)
    out = lfilter([1.0 - a], [1.0, -a], model.denoise(w, "YX").astype(np.float64), axis=1)
    psnr = 10 * np.log10(255.0**2 / np.mean((np.clip(out, 0, 255) - ref) ** 2))
    print(name, "a", a, f"psnr {psnr:.2f}", "stride", model.config.training.stride, flush=True)
