"""What `noise_plane_correlation` reads on stacks with independent and Z-mixed noise.

Volumes scaled to 0..1: a smooth synthetic pattern, the synthetic anisotropic cell volume and
the neuron volume of `volume3d.py` (central `--planes` planes; skipped without the data). Each
gets Poisson noise of `photons` at 1.0 plus Gaussian read noise, either independent from plane
to plane or mixed as n_z + a * n_(z-1) (a = 0.3: correlation 0.28; a = 0.6: 0.44). The
estimator runs with `--seeds` seeds; the table gives the lowest and highest reading and how
often 3-D training would read planes two apart (from `api.volume.NOISE_STEP2`)::

    python benchmarks/z_noise.py     # a few seconds

Writes ``--out/z_noise.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from quality import DEFAULT_DATA, ROOT, _machine
from volume3d import cell_volume, neuron_volume, noisy

LEVELS = ((30, 0.02), (300, 0.005), (3000, 0.001))
"""(photons at 1.0, read-noise std) of the noisy versions."""


def smooth_volume(planes: int, size: int) -> np.ndarray:
    z, y, x = np.mgrid[0:planes, 0:size, 0:size].astype(np.float32)
    return (np.sin(x / 4.0 + z / 6.0) * np.cos(y / 5.0) + 1) / 2


def readings(clean: np.ndarray, photons: float, read: float, mix: float, seeds: int
             ) -> list[float]:
    from napari_sdap.axes import plane_view
    from napari_sdap.model.volume import noise_plane_correlation

    noise = noisy(clean, photons, read, seed=1) - clean
    mixed = noise.copy()
    mixed[1:] += mix * noise[:-1]
    stack = (clean + mixed).astype(np.float32)
    view = plane_view(stack.shape, "ZYX")
    return [noise_plane_correlation(stack, view, 0, seed=s) for s in range(seeds)]


def main() -> int:
    from napari_sdap.api.volume import NOISE_STEP2

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cpu-z-noise")
    p.add_argument("--planes", type=int, default=32)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--seeds", type=int, default=8)
    args = p.parse_args()
    volumes = [("smooth", smooth_volume(args.planes, args.size)),
               ("cells", cell_volume(args.planes, args.size))]
    neuron = neuron_volume(args.data, args.planes)
    if neuron is not None:
        volumes.append(("neuron", neuron))
    rows = []
    print("| volume | photons | mix | readings (min..max) | z_step=2 |")
    print("|---|---|---|---|---|")
    for name, clean in volumes:
        for photons, read in LEVELS:
            for mix in (0.0, 0.3, 0.6):
                r = readings(clean, photons, read, mix, args.seeds)
                step2 = sum(v >= NOISE_STEP2 for v in r)
                rows.append({"volume": name, "photons": photons, "read": read, "mix": mix,
                             "readings": [round(v, 4) for v in r], "step2": step2})
                print(f"| {name} | {photons} | {mix} | {min(r):.3f}..{max(r):.3f} | "
                      f"{step2}/{len(r)} |", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    result = {"machine": _machine("cpu"), "args": {k: str(v) for k, v in vars(args).items()},
              "threshold": NOISE_STEP2, "rows": rows}
    (args.out / "z_noise.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
