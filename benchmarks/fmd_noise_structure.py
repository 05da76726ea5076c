"""The structure of FMD's noise against its reference: variance, frame pairs, 2 x 2 blocks.

For each FMD type (the four raw frames and their 50-frame average, `--data`/fmd), prints the
variance of ``frame - reference``, half the variance of the difference of two frames (which
needs no reference), the mean square of the 2 x 2 diagonal difference of ``frame - reference``
(what the student check's noise curve reads) as a share of its variance, and the noise's
correlation between neighbours (along x, along y, on both diagonals, and two pixels apart along
x). Pixels at 0 or 255 in any frame, or at most 2 or at least 250 in the reference, are left
out. Prints one line per type. Example::

    python benchmarks/fmd_noise_structure.py --only Confocal_BPAE_B,Confocal_FISH
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

TYPES = ("Confocal_BPAE_B", "Confocal_BPAE_R", "Confocal_FISH", "Confocal_MICE",
         "TwoPhoton_BPAE_G", "TwoPhoton_MICE")
DATA = Path(os.environ.get("SDAP_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def _load(path: Path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path), np.float64)


def structure(frames: list[np.ndarray], ref: np.ndarray) -> dict[str, float]:
    """The figures of one type (see the module text)."""
    ok = (ref > 2) & (ref < 250)
    for x in frames:
        ok &= (x > 0) & (x < 255)
    noise = np.stack([x - ref for x in frames])
    v_ref = float(np.mean([(n[ok] ** 2).mean() for n in noise]))
    pairs = ((0, 1), (2, 3), (0, 2), (1, 3))
    v_pair = float(np.mean([((frames[a] - frames[b])[ok] ** 2).mean() / 2 for a, b in pairs]))
    whole = ok[0::2, 0::2] & ok[0::2, 1::2] & ok[1::2, 0::2] & ok[1::2, 1::2]
    diag = [((n[0::2, 0::2] - n[0::2, 1::2] - n[1::2, 0::2] + n[1::2, 1::2]) / 2)[whole]
            for n in noise]
    v_diag = float(np.mean([(d ** 2).mean() for d in diag]))
    centred = noise - noise.mean(axis=(1, 2), keepdims=True)
    v = float((centred ** 2).mean())

    def lag(a: np.ndarray, b: np.ndarray) -> float:
        return round(float((a * b).mean()) / v, 3)

    return {"var": round(v_ref, 2), "pairs/var": round(v_pair / v_ref, 3),
            "diag/var": round(v_diag / v_ref, 3),
            "rho_x": lag(centred[:, :, 1:], centred[:, :, :-1]),
            "rho_y": lag(centred[:, 1:], centred[:, :-1]),
            "rho_diag": lag(centred[:, 1:, 1:], centred[:, :-1, :-1]),
            "rho_anti": lag(centred[:, 1:, :-1], centred[:, :-1, 1:]),
            "rho_x2": lag(centred[:, :, 2:], centred[:, :, :-2])}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--only", default=",".join(TYPES))
    args = p.parse_args(argv)
    fmd = args.data / "fmd"
    if not fmd.is_dir():
        print(f"no FMD data at {fmd}; skipped")
        return 0
    for name in args.only.split(","):
        frames = [_load(fmd / "raw" / f"{name}_{k}.png") for k in range(1, 5)]
        figures = structure(frames, _load(fmd / "gt" / f"{name}_1.png"))
        print(name, " ".join(f"{k} {v}" for k, v in figures.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
