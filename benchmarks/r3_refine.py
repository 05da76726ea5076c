"""Random-replacing refinement (R3, AP-BSN) in place of `sdap_e`'s second pass, for models
trained for correlated noise, on the same trained network.

R3 starts from the `sdap` output (pixel-shuffled pass), puts back a random share `p` of the
noisy input's pixels, runs the network at full resolution (`bsn`) and averages 8 such draws.
For each task this trains the default (`fast`; with ``--models DIR`` the trained models are
kept there and reused) and prints the mean PSNR of: the network output (`sdap_e`, bias
corrected, no restore), the shipped output, and for each share the R3 output alone and after
the model's own detail restore (the gate measured for `sdap_e`, no output blur).

    python benchmarks/r3_refine.py --sets set12,bsd68 --noises corr2_15 --crop 256 \\
        --models MODELS
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from quality import psnr

SHARES = (0.16, 0.3, 0.5)
DRAWS = 8


def main() -> int:
    import torch
    from blur_reading import correlated_models

    from napari_sdap.infer.passes import run_mode

    gen = torch.Generator().manual_seed(0)
    head = ["sdap_e", "shipped"] + [f"R3 p={p:g}{k}" for p in SHARES for k in ("", " + restore")]
    rows = []
    for task, name, axes, model in correlated_models(__doc__.split("\n")[0]):
        if axes != "YX":
            print(f"{name}: not grey, skipped", flush=True)
            continue
        shipped = model.refine(detail=True, mode="sdap_e")
        restore = replace(shipped, blur=0.0, colour_blur=0.0, mix=0.0)
        plain = replace(restore, detail=False)
        scores: dict[str, list[float]] = {k: [] for k in head}
        norm, pd = model.normalization, model.config.inference.pd_stride
        for x, clean in zip(task.noisy, task.clean, strict=True):
            xn = torch.from_numpy(norm.forward(np.asarray(x, np.float32), 0))[None, None]
            with torch.no_grad():
                xr = shipped.before(xn, [0])
                e = run_mode(model.network, xr, "sdap_e", pd)
                outs = {"sdap_e": plain.after(xr, e, [0]), "shipped": shipped.after(xr, e, [0])}
                d = plain.after(xr, run_mode(model.network, xr, "sdap", pd), [0])
                for p in SHARES:
                    total = torch.zeros_like(d)
                    for _ in range(DRAWS):
                        keep = torch.rand(xr.shape, generator=gen) < p
                        total += run_mode(model.network, torch.where(keep, xr, d), "bsn")
                    outs[f"R3 p={p:g}"] = plain.after(xr, total / DRAWS, [0])
                    outs[f"R3 p={p:g} + restore"] = restore.after(xr, total / DRAWS, [0])
            for key, y in outs.items():
                scores[key].append(psnr(norm.inverse(y[0, 0].numpy(), 0), clean))
        rows.append([name] + [f"{np.mean(scores[k]):.2f}" for k in head])
        print(" | ".join(rows[-1]), flush=True)
    print(f"\n| task | {' | '.join(head)} |\n|---" + "|---:" * len(head) + "|")
    print("\n".join("| " + " | ".join(row) + " |" for row in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
