"""Gated against ungated detail restore on network outputs stored by `detail_probe.py`.

For each ``<set>_<task>.npz`` in the folder: the noise curve and gate are measured from the
noisy input and the network output alone (as at the end of training), then PSNR against the
reference is printed for the network alone, the restore at full strength (the same curve,
threshold 1 for stride 1 and 1.5 above, strength 1: the rule before the gate) and the gated
restore. Example::

    python benchmarks/detail_compare.py /tmp/probe
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from quality import psnr

from napari_sdap.infer.curve import estimate_curve
from napari_sdap.infer.refine import apply_curve


def main(folder: str) -> int:
    print("| task | mode | network alone | full strength | gated | gate (t, k) |")
    print("|---|---|---:|---:|---:|---|")
    for path in sorted(Path(folder).glob("*.npz")):
        d = np.load(path)
        meta = json.loads(path.with_suffix(".json").read_text())
        rgb = bool(d["rgb"])
        base = 1.0 if meta["stride"] == 1 else 1.5
        rows = []
        for x, mu, ref in zip(d["noisy"], d["mu"], d["clean"], strict=True):
            xc = (np.moveaxis(x, -1, 0) if rgb else x[None]).astype(np.float32)
            mc = (np.moveaxis(mu, -1, 0) if rgb else mu[None]).astype(np.float32)
            gated = estimate_curve([[(xc, mc)]], base)
            full = gated.model_copy(update={"threshold": base, "strength": 1.0})
            outs = []
            for curve in (full, gated):
                y = apply_curve(torch.from_numpy(xc)[None], torch.from_numpy(mc)[None], curve,
                                [0])[0].numpy()
                outs.append(psnr(np.moveaxis(y, 0, -1) if rgb else y[0], ref))
            rows.append((psnr(mu, ref), *outs, gated.threshold, gated.strength))
        r = np.array(rows)
        plain = r[:, 0].mean()
        print(f"| {path.stem} | {meta['mode']}, stride {meta['stride']} | {plain:.2f} | "
              f"{r[:, 1].mean():.2f} ({r[:, 1].mean() - plain:+.2f}) | "
              f"{r[:, 2].mean():.2f} ({r[:, 2].mean() - plain:+.2f}) | "
              f"{r[0, 3]:g}, {r[0, 4]:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/probe"))
