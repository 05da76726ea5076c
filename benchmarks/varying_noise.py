"""Noise that varies across the image (a ramp, vignetting, two stitched exposures), next to
noise that does not, with the CPU default: the detail restore's gate with its local noise reading
(`infer.noise_field`, shipped) against the same model's gate read by intensity alone.

Each task is a 256² centre crop of an FMD reference (0-255) with Gaussian noise whose std
varies as named, or an ordinary task (FMD raw frames, PolyU, Set12 with white or 2 x 2 box noise,
strong Poisson, clipped 8-bit). The default is trained once (``--models DIR`` keeps and reuses
the models); then, with the local reading off and on, the gate, output blur and mix are chosen
again as a training does when it ends, and the script prints the gate, the restore alone (no
blur, no mix) and the default output (PSNR on the 0-255 scale)::

    python benchmarks/varying_noise.py --models MODELS
    python benchmarks/varying_noise.py --models MODELS --only ramp,stitch

A model trained with the reading on differs from one trained with it off in its student too
(the student's targets are restored with the teacher's gate); this script re-measures the
gate of a kept model only. Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
from quality import data_folder, psnr


def tasks(data: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (reference, noisy), 0-255; the noise is drawn with a fixed seed."""
    from imageio.v3 import imread
    from scipy import ndimage as ndi

    def crop(name: str, c: int = 256) -> np.ndarray:
        a = imread(data / "fmd" / "gt" / name).astype(np.float64)
        h, w = a.shape
        return a[(h - c) // 2:(h + c) // 2, (w - c) // 2:(w + c) // 2]

    yy, xx = np.mgrid[:256, :256] - 127.5
    stitched = np.full((256, 256), 6.0)
    stitched[:, 128:] = 12.0
    varying = {
        "ramp5_15_bpaeb": (crop("Confocal_BPAE_B_1.png"), np.linspace(5, 15, 256)[None, :]),
        "uniform10_bpaeb": (crop("Confocal_BPAE_B_1.png"), np.full((1, 1), 10.0)),
        "vignette6_14_mice": (crop("Confocal_MICE_1.png"),
                              6 + 8 * (np.hypot(yy, xx) / np.hypot(127.5, 127.5)) ** 2),
        "stitch6_12_tpmice": (crop("TwoPhoton_MICE_1.png"), stitched),
        "ramp4_10_fish": (crop("Confocal_FISH_1.png"), np.linspace(4, 10, 256)[:, None]),
    }
    rng = np.random.default_rng(7)
    out = {k: (ref, (ref + rng.normal(size=ref.shape) * std).astype(np.float32))
           for k, (ref, std) in varying.items()}
    for name in ("Confocal_FISH_1", "TwoPhoton_MICE_2", "WideField_BPAE_G_3", "Confocal_MICE_3"):
        out["fmd_" + name] = (imread(data / "fmd" / "gt" / f"{name}.png").astype(np.float64),
                              imread(data / "fmd" / "raw" / f"{name}.png").astype(np.float32))
    for name in ("Canon5D2_5_160_3200_chair_5", "NikonD800_5_125_6400_stair_10"):
        out["polyu_" + name] = (imread(data / "polyu" / f"{name}_mean.JPG").astype(np.float64),
                                imread(data / "polyu" / f"{name}_real.JPG").astype(np.float32))
    s8 = imread(data / "set12" / "08.png").astype(np.float64)
    out["set12_08_white25"] = (s8, (s8 + rng.normal(size=s8.shape) * 25).astype(np.float32))
    rng.normal(size=s8.shape)  # a draw not used, kept so that the noise is the recorded one
    s5 = imread(data / "set12" / "05.png").astype(np.float64)
    box = ndi.uniform_filter(rng.normal(size=s5.shape), 2) * 2 * 20
    out["set12_05_box2_20"] = (s5, (s5 + box).astype(np.float32))
    g = crop("Confocal_BPAE_G_1.png")
    photons = rng.poisson(g / g.max() * 6) / 6 * g.max()
    out["poisson6_bpaeg"] = (g, (photons + rng.normal(size=g.shape) * 2).astype(np.float32))
    m = crop("Confocal_MICE_2.png")
    out["clip8_mice"] = (m, np.clip(np.round(m + rng.normal(size=m.shape) * 20), 0, 255
                                    ).astype(np.float32))
    return out


def main() -> int:
    import torch

    import napari_sdap
    import napari_sdap.infer.curve as curve_module
    from napari_sdap.api.inputs import prepare_all
    from napari_sdap.api.noise_curve import measure_noise_curve
    from napari_sdap.api.output_blur import output_blur
    from napari_sdap.api.output_mix import output_mix

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--models", default=None, help="folder to keep and reuse trained models in")
    p.add_argument("--only", default="", help="regular expression on the task names")
    args = p.parse_args()
    data = data_folder(args.data)
    if data is None:
        return 0
    torch.set_num_threads(1)
    cpu, shipped = torch.device("cpu"), curve_module.FIELD
    for name, (ref, noisy) in tasks(data).items():
        if args.only and not re.search(args.only, name):
            continue
        axes = "YXC" if noisy.ndim == 3 else "YX"
        kept = Path(args.models) / f"{name}.safetensors" if args.models else None
        if kept is not None and kept.exists():
            model = napari_sdap.load_model(kept)
        else:
            model = napari_sdap.train(noisy, axes, device="cpu")
            if kept is not None:
                model.save(kept)
        row = {"task": name, "mode": model.resolve_mode("auto"), "noisy": psnr(noisy, ref),
               "network alone": psnr(model.denoise(noisy, axes, device="cpu", detail=False),
                                     ref)}
        sources = [(q.array, q.view) for q in prepare_all([noisy], axes)]
        for label, field in (("intensity alone", 0), ("local reading", shipped)):
            curve_module.FIELD = field
            try:
                model.noise_curve = measure_noise_curve(model, sources, cpu)[0]
            finally:
                curve_module.FIELD = shipped
            restore = psnr(model.denoise(noisy, axes, device="cpu"), ref)
            output_blur(model, sources, cpu)
            output_mix(model, sources, cpu)
            c = model.noise_curve
            row[label] = (f"gate {c.threshold:g}/{c.strength:.2f}, blur {c.blur:g}, mix "
                          f"{c.mix:.2f}@{c.mix_blur:g}: restore alone {restore:.2f}, default "
                          f"{psnr(model.denoise(noisy, axes, device='cpu'), ref):.2f}")
        print(json.dumps({k: round(v, 2) if isinstance(v, float) else v
                          for k, v in row.items()}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
