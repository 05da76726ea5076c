"""How much the image border costs: PSNR in a band along the border against the interior, for
the default model's output as it is and with the noisy image mirrored outwards before
denoising (and the output cropped back).

The networks pad their convolutions with zeros at the image border, so the pixels within the
receptive field of a border see an edge that is not in the data. Mirroring the image gives
them the data's own continuation instead. One model per task (the default `fast` training,
`--steps` to shorten it), scored on the 8-bit scale (`quality.psnr`)::

    python benchmarks/border_pad.py --sets fmd --only Confocal_BPAE_B --crop 256 --out DIR
    python benchmarks/border_pad.py --flat     # a synthetic flat field: bias and error by band
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from quality import eight_bit, psnr, task_options

BAND = 24
"""Width (px) of the border band scored apart from the interior."""


def _band_psnr(out: np.ndarray, ref: np.ndarray, inner: bool) -> float:
    mask = np.zeros(ref.shape[:2], bool)
    mask[BAND:-BAND, BAND:-BAND] = True
    pick = mask if inner else ~mask
    return psnr(out[pick], ref[pick])


def _mirrored(model, x: np.ndarray, axes: str, pad: int, mode: str = "auto") -> np.ndarray:
    widths = [(pad, pad), (pad, pad)] + [(0, 0)] * (x.ndim - 2)
    out = model.denoise(np.pad(x, widths, mode="symmetric"), axes, mode=mode)
    return out[pad:-pad, pad:-pad]


def main() -> int:
    import argparse

    from quality import chosen_tasks

    import napari_sdap

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    task_options(p, threads=2)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--pad", type=int, default=48)
    p.add_argument("--out", default=None)
    args = p.parse_args()
    tasks = chosen_tasks(args)
    if tasks is None:
        return 0
    rows = []
    for task in tasks:
        axes = "YXC" if task.rgb else "YX"
        t0 = time.perf_counter()
        model = napari_sdap.train(task.noisy, axes, steps=args.steps, device="cpu")
        for x, ref in zip(task.noisy, task.clean, strict=True):
            plain = eight_bit(task, model.denoise(x, axes))
            mirrored = eight_bit(task, _mirrored(model, x, axes, args.pad))
            ref8 = eight_bit(task, ref)
            row = {"set": task.set, "name": task.name, "mode": model.resolve_mode("auto"),
                   "train_s": round(time.perf_counter() - t0, 1)}
            for label, out in (("plain", plain), ("mirrored", mirrored)):
                row[label] = round(psnr(out, ref8), 3)
                row[f"{label}_border"] = round(_band_psnr(out, ref8, False), 3)
                row[f"{label}_inner"] = round(_band_psnr(out, ref8, True), 3)
            rows.append(row)
            print(json.dumps(row), flush=True)
    gain = [r["mirrored"] - r["plain"] for r in rows]
    print(f"mirrored - plain: mean {np.mean(gain):+.3f} dB, min {min(gain):+.3f}, "
          f"max {max(gain):+.3f} over {len(rows)} image(s)")
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "border_pad.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
