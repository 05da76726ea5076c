"""Where the default loses on an `scmos` frame (`scan_proxies.py`): its error on the hot pixels,
next to them and away from them, against the noisy input and small Gaussian blurs.

    python benchmarks/scmos_hot.py --index 2      # TwoPhoton_BPAE_R_1@100

PSNR on the frame's 8-bit mapping (offset at 0, the reference's maximum at 255), not clipped.
Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scan_proxies as sp
from proxies import _load
from quality import DEFAULT_DATA, data_folder


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(DEFAULT_DATA))
    p.add_argument("--index", type=int, default=2, help="frame of `scan_proxies.SCMOS`")
    args = p.parse_args()
    data = data_folder(args.data)
    if data is None:
        return 0
    import torch
    from scipy.ndimage import binary_dilation, gaussian_filter

    import napari_sdap

    torch.set_num_threads(1)
    rel, peak = sp.SCMOS[args.index]
    seed = 12000 + args.index  # as `scan_proxies.scmos_tasks`
    clean = _load(data / rel, None)
    noisy, ref, meta = sp.scmos(clean, peak, seed=seed)
    rng = np.random.default_rng(seed)  # the hot pixels, drawn again in the same order
    rng.normal(0.0, 0.25, clean.shape)
    hot = rng.random(clean.shape) < sp.SCMOS_HOT
    near = binary_dilation(hot, np.ones((3, 3), bool))
    scale = meta["to8"][1]  # the offset cancels in the difference

    def psnr(a: np.ndarray, where: np.ndarray | None = None) -> float:
        err = ((np.asarray(a, np.float64) - ref) * scale) ** 2
        return float(10 * np.log10(255.0**2 / np.mean(err if where is None else err[where])))

    def line(name: str, a: np.ndarray) -> None:
        print(f"{name}: all {psnr(a):.2f}, away from hot pixels {psnr(a, ~near):.2f}, "
              f"next to them {psnr(a, near & ~hot):.2f}, on them {psnr(a, hot):.2f}", flush=True)

    print(f"{Path(rel).stem}@{peak:g}: {100 * hot.mean():.2f} % hot pixels")
    line("noisy", noisy)
    model = napari_sdap.train(noisy, "YX", preset="fast", device="cpu", seed=0)
    line("default", model.denoise(noisy, "YX", device="cpu"))
    line("network alone", model.denoise(noisy, "YX", mode="bsn", device="cpu", detail=False))
    for sigma in (0.5, 0.7, 1.0):
        line(f"Gaussian {sigma:g} px", gaussian_filter(noisy.astype(np.float64), sigma))
    return 0


if __name__ == "__main__":
    sys.exit(main())
