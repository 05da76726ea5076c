"""2-D mosaics of raw camera tiles stitched with a 0 fill: the default output against the truth.

Four 256² tiles, placed 2 x 2 with a 32-pixel 0 fill around and between them (29 % of the
608² mosaic), as a stitcher writes raw tiles whose camera offset (100 ADU) lies far above the
fill. The tiles are either the central crops of four noisy frames of an FMD type (real noise;
the frames plus 100, scored against their reference) or of four Set12 images made noisy with
Poisson noise at `--photons` per pixel at 1.0 plus Gaussian read noise of std 1 ADU on the
offset (scored against the noise-free signal). One 2-D model of the `fast` preset trains on
the whole mosaic (the default: student distilled and checked) and denoises it; each tile is
scored on the 0-255 scale of its signal above the offset: PSNR of the default (`auto`) and of
the teacher (`sdap_e`), and the default's mean error over the tiles in % of the truth's mean::

    python -u benchmarks/mosaic_fill.py --fmd Confocal_BPAE_B,TwoPhoton_MICE --photons 2,5
    PYTHONPATH=<checkout of the commit before>/src python -u benchmarks/mosaic_fill.py ...

Writes one JSON line per task to standard output and `--out/mosaic_fill.jsonl`; skipped when
the benchmark data are absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from quality import DEFAULT_DATA, ROOT, _crop, _machine, _read, data_folder, load_tasks

TILE, GAP, OFFSET = 256, 32, 100.0


def stitch(tiles: list[np.ndarray]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The 2 x 2 mosaic with a 0 fill, and each tile's top-left corner."""
    side = 3 * GAP + 2 * TILE
    out = np.zeros((side, side), np.float32)
    corners = [(GAP + r * (TILE + GAP), GAP + c * (TILE + GAP)) for r in (0, 1) for c in (0, 1)]
    for (y, x), t in zip(corners, tiles, strict=True):
        out[y:y + TILE, x:x + TILE] = t
    return out, corners


def tasks(data: Path, fmd: list[str], photons: list[float], seed: int
          ) -> list[tuple[str, list[np.ndarray], list[np.ndarray], float]]:
    """(name, noisy tiles in ADU, truth tiles on 0-255, ADU per grey level)."""
    out = []
    for name in fmd:
        task = load_tasks(data, ["fmd"], [], None, TILE, name + "$")[0]
        noisy = [f + OFFSET for f in (task.noisy * 2)[:4]]
        out.append((f"fmd:{name}", noisy, (task.clean * 2)[:4], 1.0))
    clean = [_crop(_read(p), TILE) for p in sorted((data / "set12").glob("*.png"))[:4]]
    rng = np.random.default_rng(seed)
    for p in photons:
        noisy = [OFFSET + rng.poisson(c / 255 * p) + rng.normal(0, 1, c.shape) for c in clean]
        out.append((f"set12:{p:g}ph", [n.astype(np.float32) for n in noisy], clean, p / 255))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--fmd", default="Confocal_BPAE_B,WideField_BPAE_G,TwoPhoton_MICE,"
                                    "Confocal_FISH")
    p.add_argument("--photons", default="2,5,20")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "mosaic_fill")
    args = p.parse_args()
    data = data_folder(args.data)
    if data is None:
        return 0
    import torch

    import napari_sdap

    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    fmd = [t for t in args.fmd.split(",") if t]
    photons = [float(v) for v in args.photons.split(",") if v]
    for name, noisy, truth, gain in tasks(data, fmd, photons, args.seed):
        mosaic, corners = stitch(noisy)
        t0 = time.perf_counter()
        model = napari_sdap.train(mosaic, "YX", preset="fast", device="cpu", seed=args.seed)
        row = {"task": name, "machine": _machine("cpu"), "threads": args.threads,
               "stride": model.config.training.stride, "mode": model.resolve_mode("auto"),
               "offset": model.noise_curve.offset if model.noise_curve is not None else None}
        for mode in ("auto", "sdap_e"):
            out = model.denoise(mosaic, "YX", mode=mode, device="cpu")
            tiles = [(out[y:y + TILE, x:x + TILE] - OFFSET) / gain for y, x in corners]
            row[f"psnr_{mode}"] = round(float(np.mean([
                10 * np.log10(255**2 / np.mean((np.clip(o, 0, 255) - t) ** 2))
                for o, t in zip(tiles, truth, strict=True)])), 3)
            if mode == "auto":
                err = np.mean([o.mean() for o in tiles]) / np.mean([t.mean() for t in truth])
                row["mean_err_pct"] = round(float(100 * (err - 1)), 2)
        row["noisy_psnr"] = round(float(np.mean([
            10 * np.log10(255**2 / np.mean((np.clip((n - OFFSET) / gain, 0, 255) - t) ** 2))
            for n, t in zip(noisy, truth, strict=True)])), 3)
        row["s"] = round(time.perf_counter() - t0, 1)
        print(json.dumps(row), flush=True)
        with open(args.out / "mosaic_fill.jsonl", "a") as f:
            f.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
