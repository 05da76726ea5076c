"""The structure of FMD's noise against its reference: variance, frame pairs, 2 x 2 blocks.

For each FMD type (its raw frames and their 50-frame average, as `quality.load_tasks` reads
them from `--data`/fmd), prints the variance of ``frame - reference``, half the variance of the
difference of two frames (every pair; it needs no reference), the mean square of the 2 x 2
diagonal difference of ``frame - reference`` (what the student check's noise curve reads) as
a share of its variance, and the noise's correlation between neighbours (along x, along y, on
both diagonals, and two pixels apart along x). Pixels at 0 or 255 in any frame, or at most 2
or at least 250 in the reference, are left out. Prints one line per type. Example::

    python benchmarks/fmd_noise_structure.py --only Confocal_BPAE_B,Confocal_FISH
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import load_tasks, task_options

TYPES = ("Confocal_BPAE_B", "Confocal_BPAE_R", "Confocal_FISH", "Confocal_MICE",
         "TwoPhoton_BPAE_G", "TwoPhoton_MICE")


def structure(frames: list[np.ndarray], ref: np.ndarray) -> dict[str, float]:
    """The figures of one type (see the module text)."""
    ok = (ref > 2) & (ref < 250)
    for x in frames:
        ok &= (x > 0) & (x < 255)
    noise = np.stack([x - ref for x in frames])
    v_ref = float(np.mean([(n[ok] ** 2).mean() for n in noise]))
    pairs = [(a, b) for a in range(len(frames)) for b in range(a + 1, len(frames))]
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
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    task_options(p)
    p.set_defaults(only=",".join(TYPES))
    args = p.parse_args(argv)
    if not (Path(args.data) / "fmd").is_dir():
        print(f"no FMD data at {args.data}; skipped")
        return 0
    for task in load_tasks(Path(args.data), ["fmd"], [], None, args.crop, args.only):
        frames = [np.asarray(x, np.float64) for x in task.noisy]
        figures = structure(frames, np.asarray(task.clean[0], np.float64))
        print(task.name, " ".join(f"{k} {v}" for k, v in figures.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
