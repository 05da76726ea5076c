"""3-D against 2-D training on z-stacks with Poisson-Gaussian noise, at the same training time.

Two volumes, each scaled to 0..1, made noisy with Poisson noise of `--photons` at 1.0 plus
Gaussian noise of std `--read`: the neuron volume of the benchmark data (``volume3d/``, used as
the clean reference; `--planes` central planes) and a synthetic anisotropic cell volume (cells
3x longer in Y/X than in Z, as with a Z step of three pixels). For each, 2-D (`dims=2`) and 3-D
(`dims=3`) models of one preset are trained with the same training-time budget: each trains
the steps that fit `--budget` seconds at its uncontended speed (`step_seconds`: the fastest of
a few alternated steps, so that other programs on a shared machine favour neither). Both use
the blind-spot teacher (no student), so only the network differs. The whole volume is then
denoised and scored (PSNR, data range 1)::

    nice python -u benchmarks/volume3d.py --budget 60 --threads 2
    python benchmarks/volume3d.py --default-run   # also time the CPU default for 3-D

Writes ``--out/volume3d.json``; the neuron volume is skipped with a message when the data
folder is absent.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from quality import DEFAULT_DATA, ROOT, _machine


def cell_volume(planes: int, size: int, seed: int = 0) -> np.ndarray:
    """Anisotropic cells: ellipsoids with textured nuclei, 3x flatter in Z, smoothed; 0..1."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    z, y, x = np.ogrid[0:planes, 0:size, 0:size]
    vol = np.zeros((planes, size, size), np.float32)
    for _ in range(40):
        cz, cy, cx = rng.uniform(0, planes), rng.uniform(0, size), rng.uniform(0, size)
        r = rng.uniform(8, 24)
        d = ((z - cz) / (r / 3)) ** 2 + ((y - cy) / r) ** 2 + ((x - cx) / (r * rng.uniform(0.7,
                                                                                         1.3))) ** 2
        vol += rng.uniform(0.2, 0.5) * (d < 1) + rng.uniform(0.3, 0.6) * (d < 0.3)
    texture = gaussian_filter(rng.random(vol.shape), (0.5, 1.5, 1.5))
    vol = gaussian_filter(vol * (0.7 + 0.6 * texture), (0.7, 1.5, 1.5))
    return (vol / vol.max()).astype(np.float32)


def neuron_volume(data: Path, planes: int) -> np.ndarray | None:
    path = data / "volume3d" / "neuron_50x256x256.tif"
    if not path.is_file():
        print(f"skipping the neuron volume: {path} not found")
        return None
    import tifffile

    vol = tifffile.imread(path).astype(np.float32)
    z0 = max((vol.shape[0] - planes) // 2, 0)
    vol = vol[z0:z0 + planes]
    return ((vol - vol.min()) / (vol.max() - vol.min())).astype(np.float32)


def noisy(clean: np.ndarray, photons: float, read: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.poisson(clean * photons) / photons
            + rng.normal(0, read, clean.shape)).astype(np.float32)


def psnr(x: np.ndarray, ref: np.ndarray) -> float:
    return float(10 * math.log10(1.0 / np.mean((x.astype(np.float64) - ref) ** 2)))


def _train(img: np.ndarray, dims: int, steps: int, args: argparse.Namespace):
    import napari_sdap

    t0, w0 = time.process_time(), time.perf_counter()
    model = napari_sdap.train(img, "ZYX", preset=args.preset, steps=steps, seed=args.seed,
                              device="cpu", dims=dims, student=False)
    return model, time.process_time() - t0, time.perf_counter() - w0


def step_seconds(preset: str, reps: int = 5) -> dict[int, float]:
    """Seconds per optimiser step of the 2-D and 3-D networks of `preset`: the fastest of
    `reps` timed steps each, alternated, so that load from other programs on a shared machine
    shifts neither (the minimum is the uncontended cost)."""
    import torch

    from napari_sdap.api import create_model
    from napari_sdap.training.loop import cyclic_loss

    t = create_model(preset).config.training
    runs = {}
    for dims in (2, 3):
        net = create_model(preset, dims=dims, stride=1).network.train()
        planes = getattr(net, "planes", 1)
        batch = torch.rand(t.batch_size, planes, t.patch_size, t.patch_size)
        runs[dims] = (net, torch.optim.Adam(net.parameters()), batch)
    best = {2: math.inf, 3: math.inf}
    for rep in range(reps + 1):
        for dims, (net, opt, batch) in runs.items():
            t0 = time.perf_counter()
            loss = cyclic_loss(net, batch, 1, t.loss, None)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if rep:  # the first step of each warms up
                best[dims] = min(best[dims], time.perf_counter() - t0)
    return best


def run_one(name: str, clean: np.ndarray, args: argparse.Namespace,
            per_step: dict[int, float]) -> dict:
    img = noisy(clean, args.photons, args.read, args.seed)
    row: dict = {"volume": name, "shape": list(img.shape), "noisy_psnr": psnr(img, clean)}
    print(f"{name} {img.shape}: noisy {row['noisy_psnr']:.2f} dB", flush=True)
    for dims in (2, 3):
        steps = max(10, int(args.budget / per_step[dims]))
        model, cpu, wall = _train(img, dims, steps, args)
        w0 = time.perf_counter()
        out = model.denoise(img, "ZYX", device="cpu")
        denoise_s = time.perf_counter() - w0
        res = {"steps": steps, "s_per_step": per_step[dims], "train_cpu_s": cpu,
               "train_wall_s": wall, "denoise_wall_s": denoise_s, "psnr": psnr(out, clean),
               "mode": model.resolve_mode(), "stride": model.config.training.stride,
               "why": model.record.dims}
        row[f"{dims}d"] = res
        print(f"  dims={dims}: {steps} steps ({per_step[dims]:.2f} s/step), train {wall:.0f} s "
              f"wall, denoise {denoise_s:.0f} s, PSNR {res['psnr']:.2f} dB ({res['mode']}, "
              f"stride {res['stride']})", flush=True)
    row["gain_db"] = row["3d"]["psnr"] - row["2d"]["psnr"]
    print(f"  3-D - 2-D: {row['gain_db']:+.2f} dB", flush=True)
    return row


def default_run(clean: np.ndarray, args: argparse.Namespace) -> dict:
    """Wall time of a 3-D training with the CPU default preset and its denoising."""
    import napari_sdap

    img = noisy(clean, args.photons, args.read, args.seed)
    w0 = time.perf_counter()
    model = napari_sdap.train(img, "ZYX", device="cpu", dims=3)
    train_s = time.perf_counter() - w0
    out = model.denoise(img, "ZYX", device="cpu")
    total = time.perf_counter() - w0
    res = {"shape": list(img.shape), "steps": model.record.steps, "train_wall_s": train_s,
           "total_wall_s": total, "psnr": psnr(out, clean)}
    print(f"default 3-D run on {img.shape}: {model.record.steps} steps, train {train_s:.0f} s, "
          f"train + denoise {total:.0f} s, PSNR {res['psnr']:.2f} dB", flush=True)
    return res


def volume_args(p: argparse.ArgumentParser) -> None:
    """The volume and noise options the volume benchmarks share."""
    p.add_argument("--planes", type=int, default=32)
    p.add_argument("--size", type=int, default=256, help="synthetic volume edge in Y and X")
    p.add_argument("--photons", type=float, default=30.0)
    p.add_argument("--read", type=float, default=0.02)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cpu-volume3d")
    p.add_argument("--preset", default="fast")
    p.add_argument("--budget", type=float, default=60.0,
                   help="seconds of training each, at uncontended speed")
    volume_args(p)
    p.add_argument("--default-run", action="store_true")
    args = p.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    volumes = [("cells", cell_volume(args.planes, args.size, args.seed))]
    neuron = neuron_volume(args.data, args.planes)
    if neuron is not None:
        volumes.insert(0, ("neuron", neuron))
    per_step = step_seconds(args.preset)
    print(f"uncontended seconds per step: 2-D {per_step[2]:.3f}, 3-D {per_step[3]:.3f}",
          flush=True)
    rows = [run_one(name, clean, args, per_step) for name, clean in volumes]
    result = {"machine": _machine("cpu"), "args": {k: str(v) for k, v in vars(args).items()},
              "seconds_per_step": per_step, "rows": rows}
    if args.default_run:
        result["default_run"] = default_run(volumes[0][1], args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "volume3d.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
