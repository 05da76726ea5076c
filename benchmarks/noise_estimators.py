"""Three readings of white Gaussian noise on textured photographs, against the truth, without
training: the white cap's (`infer.texture.high_pass_energy`: a low quantile of the local energy
of a 5 x 5 high-pass), the smallest eigenvalues of the covariance of 7 x 7 patches (`pca`: the
tail of the spectrum whose mean equals its median, as Chen, Zhu and Heng, ICCV 2015, read it)
and the kurtosis of 8 x 8 DCT bands (`kurtosis`: a natural image's band kurtosis is about
the same in every band and Gaussian noise lowers it most where it holds most of the variance,
as Zoran and Weiss, ICCV 2009, read it; fitted by least squares).

256² centre crops of the 80 Set12 and BSD68 images with noise of std 5, 10 and 25 (one seed per
image); each line: the reading's std over the true std.

    python benchmarks/noise_estimators.py

Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from quality import DEFAULT_DATA, data_folder

STDS = (5.0, 10.0, 25.0)


def high_pass(y: np.ndarray) -> float:
    import torch

    from napari_sdap.infer.texture import HP_NORM, HP_QUANTILE, high_pass_energy

    hp = high_pass_energy(torch.from_numpy(y.astype(np.float32))[None]).numpy()[0]
    return float(np.quantile(hp[np.isfinite(hp)], HP_QUANTILE)) / HP_NORM


def pca(y: np.ndarray, edge: int = 7) -> float:
    p = sliding_window_view(y, (edge, edge)).reshape(-1, edge * edge)
    p = p - p.mean(0)
    eig = np.sort(np.linalg.eigvalsh(p.T @ p / len(p)))[::-1]
    for i in range(len(eig)):
        tail = eig[i:]
        tau = tail.mean()
        if np.sum(tail > tau) == np.sum(tail < tau):
            return float(tau)
    return float(eig[-1])


def _dct(n: int) -> np.ndarray:
    k, i = np.arange(n)[:, None], np.arange(n)[None]
    m = np.cos(np.pi * (2 * i + 1) * k / (2 * n))
    m[0] /= np.sqrt(2.0)
    return m * np.sqrt(2.0 / n)


def kurtosis(y: np.ndarray, edge: int = 8) -> float:
    d = _dct(edge)
    p = sliding_window_view(y, (edge, edge)).reshape(-1, edge, edge)
    c = np.einsum("ki,nij,lj->nkl", d, p, d).reshape(len(p), -1)[:, 1:]
    c = c - c.mean(0)
    v = (c**2).mean(0)
    s = np.sqrt(np.clip((c**4).mean(0) / v**2 - 3.0, 0.0, None))
    (a, b), *_ = np.linalg.lstsq(np.stack([np.ones_like(v), -1.0 / v], 1), s, rcond=None)
    return float(b / a) if a > 0 else float("nan")


READINGS = {"high-pass": high_pass, "pca": pca, "kurtosis": kurtosis}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(DEFAULT_DATA))
    args = p.parse_args()
    data = data_folder(args.data)
    if data is None:
        return 0
    from PIL import Image

    names = [f"set12/{k:02d}.png" for k in range(1, 13)] + \
        [f"bsd68/test{k:03d}.png" for k in range(1, 69)]
    ratios = {(r, s): [] for r in READINGS for s in STDS}
    for k, name in enumerate(names):
        im = np.asarray(Image.open(data / name).convert("L"), dtype=np.float64)
        h, w = im.shape
        im = im[(h - 256) // 2:(h + 256) // 2, (w - 256) // 2:(w + 256) // 2]
        rng = np.random.default_rng(1000 + k)
        row = []
        for s in STDS:
            y = im + rng.normal(0, s, im.shape)
            for r, read in READINGS.items():
                ratios[(r, s)].append(np.sqrt(max(read(y), 0.0)) / s)
                row.append(f"{r} {s:g}: {ratios[(r, s)][-1]:.2f}")
        print(f"{name}: " + ", ".join(row), flush=True)
    for (r, s), v in ratios.items():
        a = np.array(v)
        print(f"{r}, std {s:g}: reading / truth (std) median {np.nanmedian(a):.2f}, 0.85-1.15: "
              f"{np.sum((a > 0.85) & (a < 1.15))} of {a.size}, above 1.3: {np.sum(a > 1.3)}, "
              f"below 0.8: {np.sum(a < 0.8)}, range {np.nanmin(a):.2f}-{np.nanmax(a):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
