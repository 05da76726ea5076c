"""The student of a 3-D model against its 3-D teacher, on a 32 x 256 x 256 z-stack (CPU).

A volume of `benchmarks/volume3d.py` (the synthetic anisotropic cells, or the neuron volume of
the benchmark data), scaled to 0..1 and made noisy with Poisson noise of `--photons` at 1.0
plus Gaussian noise of std `--read`, trains one `dims=3` model with the preset's default steps
and automatic stride (1 for this noise, so the student is distilled). The wall time of the
teacher's training, of the student's targets (`infer.targets`) and of the distillation are
timed separately; then the whole stack is denoised with the teacher (`mode="bsn"`) and with
`mode="auto"` (the student), each `--reps` times alternated (the fastest counts), and both
are scored (PSNR over the volume, data range 1)::

    nice -n 5 python -u benchmarks/student3d.py --volume cells --threads 2
    nice -n 5 python -u benchmarks/student3d.py --volume neuron --threads 2

Writes ``--out/student3d_<volume>.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from quality import DEFAULT_DATA, ROOT, _machine
from volume3d import cell_volume, neuron_volume, noisy, psnr, volume_args


def _timed_targets(marks: dict[str, float]) -> None:
    """Record when the student's targets start and end (the distillation stage's first part)."""
    from napari_sdap.api import distillation

    inner = distillation.teacher_targets

    def timed(*args, **kwargs):
        marks["targets_start"] = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            marks["targets_end"] = time.perf_counter()

    distillation.teacher_targets = timed


def run(clean, args: argparse.Namespace) -> dict:
    import napari_sdap

    img = noisy(clean, args.photons, args.read, args.seed)
    marks: dict[str, float] = {}
    _timed_targets(marks)
    t0 = time.perf_counter()
    model = None
    for rec in napari_sdap.iter_train(img, "ZYX", preset=args.preset, seed=args.seed,
                                      device="cpu", dims=3):
        model = rec.model
        marks[rec.stage + "_end"] = time.perf_counter()
    assert model is not None
    res = {"shape": list(img.shape), "noisy_psnr": psnr(img, clean),
           "stride": model.config.training.stride, "teacher_steps": model.record.steps,
           "student_steps": model.record.student_steps,
           "student_fidelity": model.record.student_fidelity,
           "teacher_wall_s": marks["teacher_end"] - t0}
    if "targets_start" in marks:
        res["targets_wall_s"] = marks["targets_end"] - marks["targets_start"]
        res["student_wall_s"] = marks["student_end"] - marks["targets_end"]
        res["train_wall_s"] = marks["student_end"] - t0
    print(json.dumps(res), flush=True)
    modes = {"teacher": "bsn" if model.config.training.stride == 1 else "sdap", "auto": "auto"}
    times: dict[str, list[float]] = {k: [] for k in modes}
    outs = {}
    for _ in range(args.reps):
        for name, mode in modes.items():
            w0 = time.perf_counter()
            outs[name] = model.denoise(img, "ZYX", mode=mode, device="cpu")
            times[name].append(time.perf_counter() - w0)
    for name, mode in modes.items():
        res[name] = {"mode": model.resolve_mode(mode), "psnr": psnr(outs[name], clean),
                     "denoise_wall_s": min(times[name]), "denoise_runs_s": times[name]}
    print(json.dumps({k: res[k] for k in modes}), flush=True)
    return res


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--volume", choices=["cells", "neuron"], default="cells")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cpu-student3d")
    p.add_argument("--preset", default="fast")
    volume_args(p)
    p.add_argument("--reps", type=int, default=2)
    args = p.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    clean = (cell_volume(args.planes, args.size, args.seed) if args.volume == "cells"
             else neuron_volume(args.data, args.planes))
    if clean is None:
        return 1
    res = {"machine": _machine("cpu"), "volume": args.volume,
           "args": {k: str(v) for k, v in vars(args).items()}, **run(clean, args)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"student3d_{args.volume}.json").write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
