"""Check the noise-correlation estimate against the truth, on real and synthetic noise.

- FMD: the true noise of each sample type is (raw - reference); its lag-1 autocorrelation is
  compared with what `estimate_noise` measures on the raw frames alone, and the stride chosen.
- Set12: clean images plus white Gaussian (sigma 10, 25, 50 on 0-255), Poisson-Gaussian
  (peak 30), 2 x 2 box-filtered noise (true lag-1 correlation 1/2, lag 2: 0) and 3 x 3
  box-filtered noise (2/3, 1/3, 0): white noise must get stride 1, 2 x 2 stride 2, 3 x 3 stride 3.

    python benchmarks/noise_estimate.py [--data ../shared/data] [--images 01,05,08]

Prints a markdown table; exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from quality import DEFAULT_DATA, _read, add_noise, load_tasks


def _lag1(noise: np.ndarray) -> float:
    n = noise - noise.mean()
    v = (n * n).mean()
    return float(max((n[:, 1:] * n[:, :-1]).mean(), (n[1:] * n[:-1]).mean()) / v)


def _estimate(frames: list[np.ndarray]):
    from napari_sdap.api import analyze_noise

    return analyze_noise(frames, "YX")


def _box(shape: tuple[int, int], k: int, sigma: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    white = rng.normal(0, 1, (shape[0] + k - 1, shape[1] + k - 1))
    out = sum(white[dy : dy + shape[0], dx : dx + shape[1]] for dy in range(k) for dx in range(k))
    return (sigma * out / k).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--images", default="01,05,08", help="Set12 image names")
    args = p.parse_args(argv)
    if not args.data.is_dir():
        print(f"benchmark data not found at {args.data}; skipping (give --data PATH)")
        return 0
    rows = ["| data | noise | true lag-1 | estimated lag 1..3 (max of X, Y) | stride | mode |",
            "|---|---|---:|---|---:|---|"]

    def add(data: str, noise: str, true: float | str, frames: list[np.ndarray]) -> None:
        e = _estimate(frames)
        lags = np.maximum(e.correlation_x, e.correlation_y)[:3]
        true_s = f"{true:.2f}" if isinstance(true, float) else true
        rows.append(f"| {data} | {noise} | {true_s} | {', '.join(f'{v:.2f}' for v in lags)} | "
                    f"{e.stride} | {e.mode} |")

    for task in load_tasks(args.data, ["fmd"], [], None, None, None):
        true = np.mean([_lag1(x - c) for x, c in zip(task.noisy, task.clean, strict=True)])
        add(f"FMD {task.name}", "real", float(true), task.noisy)
    for name in args.images.split(","):
        clean = _read(args.data / "set12" / f"{name}.png")
        for k, sigma in enumerate((10, 25, 50)):
            noise = np.random.default_rng(k).normal(0, sigma, clean.shape).astype(np.float32)
            add(f"Set12 {name}", f"white sigma {sigma}", _lag1(noise), [clean + noise])
        noisy = add_noise(clean, "pg", seed=7)
        add(f"Set12 {name}", "Poisson-Gaussian peak 30", "0 (white)", [noisy])
        for k, sigma in ((2, 15), (3, 10), (3, 25)):
            noise = _box(clean.shape, k, sigma, seed=10 + k)
            add(f"Set12 {name}", f"{k}x{k} box, std {sigma}", _lag1(noise), [clean + noise])
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
