"""The whitening rule on crops of scanner frames (`scan_proxies.linescan`): how many crops each
variant of the rule whitens, and with ``--train`` the CPU default's PSNR on the crops whose
decision the variants disagree on. No training without it.

    python benchmarks/scan_crops.py --decays 0.4,0.5,0.6,0.75          # the rule only
    python benchmarks/scan_crops.py --decays 0.5,0.6 --train            # and the default

Frames: the four `linescan` references and four more FMD references (each at its own photon
peak); each 512² frame is cut into four 256² crops. Variants: the rule as shipped (the
correlation across the axis read from the flattest quarter of the blocks and, where lower,
from the flattest sixteenth), from the quarter alone, and from the quarter alone with the ratio
bound of 0.6 (`infer.whiten.RATIO` before it was raised). ``--train`` trains the default twice
on each crop the variants disagree on, or with ``--all`` on every crop: as shipped, and with
whitening off (`whiten=False`). Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scan_proxies as sp
from proxies import _load
from quality import DEFAULT_DATA, data_folder

FRAMES = (*sp.LINESCAN, ("fmd/gt/TwoPhoton_BPAE_R_1.png", 30.0),
          ("fmd/gt/Confocal_MICE_1.png", 20.0), ("fmd/gt/WideField_BPAE_G_1.png", 30.0),
          ("fmd/gt/Confocal_BPAE_R_1.png", 20.0))
EDGE = 256


def _decisions(noise) -> dict[str, bool]:
    from napari_sdap.infer import whiten

    cx, cy = noise.correlation_x, noise.correlation_y
    out = {"shipped": whiten.choose_whitening(cx, cy, noise.sixteenth) is not None,
           "quarter": whiten.choose_whitening(cx, cy) is not None}
    ratio, whiten.RATIO = whiten.RATIO, 0.6
    try:
        out["quarter, ratio 0.6"] = whiten.choose_whitening(cx, cy) is not None
    finally:
        whiten.RATIO = ratio
    return {k: v and not noise.flat_white for k, v in out.items()}


def _score(noisy: np.ndarray, ref: np.ndarray, whiten: bool) -> float:
    import napari_sdap

    model = napari_sdap.train(noisy, "YX", preset="fast", device="cpu", seed=0, whiten=whiten)
    out = np.clip(model.denoise(noisy, "YX", device="cpu").astype(np.float64), 0, 255)
    return float(10 * np.log10(255.0**2 / np.mean((out - ref) ** 2)))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(DEFAULT_DATA))
    p.add_argument("--decays", default="0.5,0.6")
    p.add_argument("--train", action="store_true")
    p.add_argument("--all", action="store_true", help="print every crop, not only those the "
                   "variants disagree on")
    p.add_argument("--only", default=None, help="crops as DECAY:STEM:Y0:X0, comma-separated "
                   "(e.g. 0.6:WideField_BPAE_G_1:256:256)")
    args = p.parse_args()
    data = data_folder(args.data)
    if data is None:
        return 0
    import torch

    from napari_sdap.api.inputs import prepare
    from napari_sdap.training.noise import estimate_noise

    torch.set_num_threads(1)
    only = None if args.only is None else set(args.only.split(","))
    counts: dict[str, int] = {}
    total = 0
    for decay in (float(d) for d in args.decays.split(",")):
        for k, (rel, peak) in enumerate(FRAMES):
            noisy, ref = sp.linescan(_load(data / rel, None), peak, seed=11000 + k, decay=decay)
            for y0 in range(0, noisy.shape[0] - EDGE + 1, EDGE):
                for x0 in range(0, noisy.shape[1] - EDGE + 1, EDGE):
                    if only is not None and f"{decay:g}:{Path(rel).stem}:{y0}:{x0}" not in only:
                        continue
                    crop = (slice(y0, y0 + EDGE), slice(x0, x0 + EDGE))
                    q = prepare(noisy[crop], "YX")
                    noise = estimate_noise([(q.array, q.view)], seed=0)
                    seen = _decisions(noise)
                    total += 1
                    for key, v in seen.items():
                        counts[key] = counts.get(key, 0) + v
                    if not args.all and len(set(seen.values())) == 1:
                        continue
                    line = (f"decay {decay:g} {Path(rel).stem}@{peak:g} ({y0}, {x0}): "
                            + ", ".join(f"{key} {'whitened' if v else 'not'}"
                                        for key, v in seen.items())
                            + "; X " + ", ".join(f"{v:.3f}" for v in noise.correlation_x[:2])
                            + "; Y " + ", ".join(f"{v:.3f}" for v in noise.correlation_y[:2])
                            + f"; flattest sixteenth {noise.sixteenth}")
                    if args.train:
                        line += (f"; PSNR noisy {_score_noisy(noisy[crop], ref[crop]):.2f}, "
                                 f"default {_score(noisy[crop], ref[crop], True):.2f}, "
                                 f"whitening off {_score(noisy[crop], ref[crop], False):.2f}")
                    print(line, flush=True)
    print(f"{total} crops of {EDGE}²: " + ", ".join(f"{k} whitens {v}" for k, v in counts.items()))
    return 0


def _score_noisy(noisy: np.ndarray, ref: np.ndarray) -> float:
    return float(10 * np.log10(255.0**2 / np.mean((noisy.astype(np.float64) - ref) ** 2)))


if __name__ == "__main__":
    sys.exit(main())
