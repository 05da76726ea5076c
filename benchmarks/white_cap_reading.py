"""How well the white cap's reading (`infer.texture.high_pass_energy`, its `HP_QUANTILE`
quantile over `HP_NORM`) reads the noise, against the truth, without training.

- ``synthetic``: 256² centre crops of Set12 and BSD68 images with white Gaussian noise of
  std 5, 10 and 25 (one seed per image): the reading's std over the true std, whole crop.
- ``fmd``: FMD's raw frames 1 against their ground truth, in 8 intensity bins of the ground
  truth: the reading over the mean squared difference (raw minus ground truth) of each bin.

    python benchmarks/white_cap_reading.py --sets synthetic,fmd

Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from quality import DEFAULT_DATA


def _read(x: np.ndarray) -> tuple[np.ndarray, float]:
    """The per-pixel readings (finite where counted) and their whole-image noise variance."""
    import torch

    from napari_sdap.infer.texture import HP_NORM, HP_QUANTILE, high_pass_energy

    hp = high_pass_energy(torch.from_numpy(x.astype(np.float32))[None]).numpy()[0]
    ok = np.isfinite(hp)
    return hp, float(np.quantile(hp[ok], HP_QUANTILE)) / HP_NORM


def synthetic(data: Path) -> None:
    from PIL import Image

    names = [f"set12/{k:02d}.png" for k in range(1, 13)] + \
        [f"bsd68/test{k:03d}.png" for k in range(1, 69)]
    stds = (5.0, 10.0, 25.0)
    ratios: dict[float, list[float]] = {s: [] for s in stds}
    for k, name in enumerate(names):
        path = data / name
        if not path.exists():
            continue
        im = np.asarray(Image.open(path).convert("L"), dtype=np.float64)
        h, w = im.shape
        im = im[(h - 256) // 2:(h + 256) // 2, (w - 256) // 2:(w + 256) // 2]
        rng = np.random.default_rng(1000 + k)
        row = []
        for s in stds:
            r = np.sqrt(_read(im + rng.normal(0, s, im.shape))[1]) / s
            ratios[s].append(r)
            row.append(f"std {s:g}: {r:.2f}")
        print(f"{name}: " + ", ".join(row), flush=True)
    for s in stds:
        r = np.array(ratios[s])
        print(f"std {s:g}: reading / truth (std) median {np.median(r):.2f}, 0.85-1.15: "
              f"{np.sum((r > 0.85) & (r < 1.15))} of {r.size}, above 1.3: {np.sum(r > 1.3)}, "
              f"max {r.max():.2f}")


def fmd(data: Path) -> None:
    from PIL import Image

    from napari_sdap.infer.texture import HP_NORM, HP_QUANTILE

    for raw in sorted((data / "fmd" / "raw").glob("*_1.png")):
        x = np.asarray(Image.open(raw), dtype=np.float64)
        gt = np.asarray(Image.open(data / "fmd" / "gt" / raw.name), dtype=np.float64)
        hp, _ = _read(x)
        ok = np.isfinite(hp)
        edges = np.quantile(gt, np.linspace(0, 1, 9))
        index = np.clip(np.searchsorted(edges, gt, side="right") - 1, 0, 7)
        out = []
        for b in range(8):
            m = (index == b) & ok
            if m.sum() < 64:
                out.append("-")
                continue
            truth = np.mean((x - gt)[index == b] ** 2)
            out.append(f"{np.quantile(hp[m], HP_QUANTILE) / HP_NORM / truth:.2f}")
        print(f"{raw.stem}: reading / truth (variance) per bin, dark to bright: "
              + " ".join(out), flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--sets", default="synthetic,fmd")
    args = p.parse_args(argv)
    if not args.data.is_dir():
        print(f"no benchmark data at {args.data}; nothing to measure")
        return 0
    for name in args.sets.split(","):
        {"synthetic": synthetic, "fmd": fmd}[name](args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
