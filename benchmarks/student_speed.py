"""CPU inference time of the distilled student against the blind-spot teacher's modes.

Trains a `fast` model briefly (speed does not depend on how well it is trained) on a synthetic
size x size image and times `model.denoise` per mode, alternating the modes over `--repeats`
rounds so that a busy machine slows them alike; prints the median seconds and each mode's time
relative to the student. Example::

    python benchmarks/student_speed.py --size 512 --threads 2 --repeats 5
    python benchmarks/student_speed.py --size 256 --planes 16 --dims 3   # a 3-D model on a stack

With `--planes N` the image is an N x size x size ZYX stack (denoised plane by plane by a 2-D
model, or with its neighbouring planes by a `--dims 3` model, which has no `sdap_e`); the
rates are then voxels per second.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--preset", default="fast")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or mps")
    p.add_argument("--planes", type=int, default=0, help="a ZYX stack of this many planes")
    p.add_argument("--dims", type=int, default=2, choices=(2, 3))
    p.add_argument("--json", help="also write the result to this file")
    args = p.parse_args(argv)
    import torch

    import napari_sdap

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    shape = (args.planes, args.size, args.size) if args.planes else (args.size, args.size)
    axes = "ZYX" if args.planes else "YX"
    image = (0.5 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
    train = {"preset": args.preset, "steps": 30, "stride": 2, "student": True,
             "device": args.device, "dims": args.dims}
    model = napari_sdap.train(image, axes, student_steps=60, **train)
    if model.student is None:  # a 60-step student may miss the fidelity check: train longer
        model = napari_sdap.train(image, axes, student_steps=600, **train)
    modes = ["student", "bsn", "sdap"] + (["sdap_e"] if args.dims == 2 else [])
    times: dict[str, list[float]] = {m: [] for m in modes}
    for m in modes:  # warm-up
        model.denoise(image, axes, mode=m, device=args.device)
    for _ in range(args.repeats):
        for m in modes:
            t0 = time.perf_counter()
            model.denoise(image, axes, mode=m, device=args.device)
            times[m].append(time.perf_counter() - t0)
    med = {m: float(np.median(v)) for m, v in times.items()}
    out = {"size": args.size, "planes": args.planes, "dims": args.dims,
           "threads": args.threads, "preset": args.preset, "device": args.device,
           "mpix_per_s": {m: image.size / 1e6 / med[m] for m in modes},
           "median_s": med, "relative_to_student": {m: med[m] / med["student"] for m in modes}}
    print(json.dumps(out, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
