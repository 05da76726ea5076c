"""Can two planes be recognised as frames of one field of view from the noisy data alone?

The difference of two frames of one view, divided by √2, is noise alone: the noise covariance
behind the output blur (`infer.correlated`) read from it is within a few per cent of the truth
on FMD wide-field frames, where the single-frame reading is 16-19 % low (docs/benchmarks.md).
Used automatically, it would have to tell such pairs from planes whose signal differs. For
pairs of 256² centre crops this prints, against the truth where a reference exists:

- ``scale``: the variance of the difference over that of the true noise of the first plane
  (``x - reference``): 1 for frames of one view, above 1 by the signal the difference keeps;
- ``shift`` and ``excess``: the shift within 3 px that minimises the variance of the
  difference, and how far the variance at no shift lies above that minimum (a drift of the
  sample shows as a shift);
- ``R``: the variance of the difference where the mean of the two planes (blurred by 2 px)
  varies most over where it varies least (top / bottom quarter of its gradient, within eight
  intensity bins): signal that moved or changed shows at structure.

Pairs: consecutive FMD frames (12 types), a wide-field frame against the next one shifted or
smoothly warped by 1-4 px, against another stain of the same cells, consecutive planes of
the neuron volume with 2 x 2 box-filtered noise, and a Set12 image against itself (new noise),
itself shifted by 1 px, and another image.

    python benchmarks/frame_pairs.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from quality import DEFAULT_DATA, _read, box_noise

_R = 3
CROP = (slice(128, 384), slice(128, 384))


def _blur(a: np.ndarray, sigma: float) -> np.ndarray:
    import torch

    from napari_sdap.infer.gaussian import gaussian

    t = torch.from_numpy(np.ascontiguousarray(a, np.float32))[None, None]
    return gaussian(t, sigma)[0, 0].numpy().astype(np.float64)


def _shifts(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Variance of (x - y shifted by (dy, dx)) / √2 for |dy|, |dx| <= `_R` (same pixels)."""
    h, w = x.shape
    a = x[_R : h - _R, _R : w - _R]
    out = np.zeros((2 * _R + 1, 2 * _R + 1))
    for dy in range(-_R, _R + 1):
        for dx in range(-_R, _R + 1):
            b = y[_R + dy : h - _R + dy, _R + dx : w - _R + dx]
            out[dy + _R, dx + _R] = ((a - b) ** 2).mean() / 2
    return out


def _structure(x: np.ndarray, y: np.ndarray) -> float:
    e = (x - y) ** 2 / 2
    m = _blur((x + y) / 2, 2.0)
    gy, gx = np.gradient(m)
    grad = np.hypot(gy, gx)
    level = np.digitize(m, np.quantile(m, np.linspace(0, 1, 9)[1:-1]))
    logs, weights = [], []
    for k in range(8):
        sel = level == k
        g, ek = grad[sel], e[sel]
        hi, lo = g > np.quantile(g, 0.75), g <= np.quantile(g, 0.25)
        if hi.any() and lo.any() and ek[lo].mean() > 0:
            logs.append(np.log(ek[hi].mean() / ek[lo].mean()))
            weights.append(sel.sum())
    return float(np.exp(np.average(logs, weights=weights))) if logs else float("nan")


def pair_stats(x: np.ndarray, y: np.ndarray, ref: np.ndarray | None) -> str:
    x, y = x.astype(np.float64), y.astype(np.float64)
    v = _shifts(x, y)
    if v[_R, _R] == 0:
        return "identical planes"
    iy, ix = np.unravel_index(int(np.argmin(v)), v.shape)
    scale = "-" if ref is None else f"{v[_R, _R] / np.var(x - ref):.3f}"
    return (f"scale {scale}, shift ({iy - _R:+d}, {ix - _R:+d}), excess "
            f"{100 * (v[_R, _R] / v.min() - 1):.2f} %, R {_structure(x, y):.3f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(DEFAULT_DATA))
    data = Path(p.parse_args().data)
    if not data.is_dir():
        print(f"benchmark data not found at {data}; skipping (give --data PATH)")
        return 0
    from scipy.ndimage import map_coordinates

    rng = np.random.default_rng(0)

    def fmd(kind: str) -> tuple[list[np.ndarray], np.ndarray]:
        paths = sorted((data / "fmd/raw").glob(f"{kind}_*.png"))
        return [_read(q) for q in paths], _read(data / "fmd/gt" / paths[0].name)

    print("| pair | statistics |\n|---|---|")
    kinds = sorted({q.stem.rsplit("_", 1)[0] for q in (data / "fmd/raw").glob("*.png")})
    for kind in kinds:
        frames, ref = fmd(kind)
        for i in range(len(frames) - 1):
            print(f"| {kind} frames {i + 1}/{i + 2} | "
                  f"{pair_stats(frames[i][CROP], frames[i + 1][CROP], ref[CROP])} |")
    frames, ref = fmd("WideField_BPAE_G")
    x, crop = frames[0][CROP], ref[CROP]
    for s in (1, 2, 4):
        y = np.roll(frames[1], s, axis=1)[CROP]
        print(f"| WideField_BPAE_G, frame 2 shifted {s} px | {pair_stats(x, y, crop)} |")
    yy, xx = np.mgrid[0:512, 0:512].astype(np.float64)
    for a in (1, 2, 4):  # a smooth displacement field, at most `a` px
        dy, dx = (_blur(rng.normal(size=(512, 512)), 40.0) for _ in range(2))
        dy, dx = a * dy / np.abs(dy).max(), a * dx / np.abs(dx).max()
        moved = frames[1] - ref + map_coordinates(ref, [yy + dy, xx + dx], order=3)
        print(f"| WideField_BPAE_G, frame 2 warped by up to {a} px | "
              f"{pair_stats(x, moved[CROP], crop)} |")
    for other in ("WideField_BPAE_B", "WideField_BPAE_R"):
        o = fmd(other)[0][0]
        o = o * frames[0].mean() / o.mean()
        print(f"| WideField_BPAE_G against {other} | {pair_stats(x, o[CROP], crop)} |")
    import tifffile

    vol = tifffile.imread(data / "volume3d/neuron_50x256x256.tif").astype(np.float64)
    vol = vol / np.percentile(vol, 99.9) * 200
    for z in (10, 25, 40):
        for std in (5.0, 15.0):
            a, b = (vol[k] + box_noise(vol[k].shape, 2, std, rng) for k in (z, z + 1))
            print(f"| neuron planes {z}/{z + 1}, 2 x 2 box std {std:g} | "
                  f"{pair_stats(a, b, vol[z])} |")
    s1, s5 = (_read(data / f"set12/{n}.png") for n in ("01", "05"))
    for label, y in (("itself", s1), ("itself shifted 1 px", np.roll(s1, 1, axis=1)),
                     ("Set12 05", s5)):
        a, b = s1 + box_noise(s1.shape, 2, 15.0, rng), y + box_noise(s1.shape, 2, 15.0, rng)
        print(f"| Set12 01 against {label}, 2 x 2 box std 15 | {pair_stats(a, b, s1)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
