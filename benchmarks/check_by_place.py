"""The student check where the noise varies across the image: the noise read by intensity
alone against the same reading scaled by the noise around each pixel (`infer.risk.compare`'s
`local`, shipped).

Tasks: the noise-varying crops of `benchmarks/varying_noise.py` (a ramp, vignetting, two
stitched exposures, and the same crop with uniform noise) and a synthetic image whose halves
have noise std 2 and 25 at the same intensities (spots on a flat background). Each trains the
CPU default with the check only recording (`student_check=False`: the student is kept whatever
it reads), then the check runs both ways on the same student. Printed per task: each estimate
(the student's error above the teacher's in units of the noise variance, its standard error) and
the verdict it leads to (`api.distillation`: keep, a second round at `DOUBT`, drop at `WORSE`
standard errors), and the student's and the teacher's PSNR against the reference (0-255 scale)::

    python benchmarks/check_by_place.py
    python benchmarks/check_by_place.py --only 'halves|ramp'

Writes `--out/check_by_place.jsonl`; the FMD tasks are skipped when the data folder is absent.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from quality import ROOT, data_folder, psnr


def halves() -> tuple[np.ndarray, np.ndarray]:
    """12 Gaussian spots (radius 3-9 px) on a flat 60, at most about 220, 128²; noise std 2 on
    the left half and 25 on the right."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:128, :128]
    ref = np.full((128, 128), 60.0)
    for _ in range(12):
        cy, cx, r = rng.uniform(0, 128), rng.uniform(0, 128), rng.uniform(3, 9)
        ref += 120 * rng.uniform(0.3, 1) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    std = np.where(xx < 64, 2.0, 25.0)
    return ref, (ref + rng.normal(size=ref.shape) * std).astype(np.float32)


def verdict(excess: float, se: float) -> str:
    from napari_sdap.api.distillation import DOUBT, WORSE

    z = excess / max(se, 1e-12)
    return "drop" if z > WORSE else "second round" if z > DOUBT else "keep"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--only", default="", help="regular expression on the task names")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "check_by_place")
    args = p.parse_args()
    import torch

    import napari_sdap
    import napari_sdap.api.student_judge as judging
    from napari_sdap.api.inputs import prepare_all

    torch.set_num_threads(1)
    found = {"halves_2_25": halves()}
    data = data_folder(args.data)
    if data is not None:
        from varying_noise import tasks

        found.update({k: v for k, v in tasks(data).items()
                      if k.split("_")[0] in ("ramp5", "uniform10", "vignette6", "stitch6",
                                             "ramp4")})
    args.out.mkdir(parents=True, exist_ok=True)
    compare = judging.compare
    for name, (ref, noisy) in found.items():
        if args.only and not re.search(args.only, name):
            continue
        model = napari_sdap.train(noisy, "YX", device="cpu", student_check=False)
        if model.student is None:
            sys.stdout.write(f"{name}: no student\n")
            continue
        sources = [(q.array, q.view) for q in prepare_all([noisy], "YX")]
        row = {"task": name, "noisy": psnr(noisy, ref)}
        for label, local in (("by intensity", False), ("by place", True)):
            judging.compare = lambda *a, _local=local, **k: compare(*a, **{**k, "local": _local})
            try:
                got = judging.judge(model, model.student, sources, torch.device("cpu"))
            finally:
                judging.compare = compare
            row[label] = {"excess": round(got.excess, 4), "se": round(got.excess_se, 4),
                          "verdict": verdict(got.excess, got.excess_se)}
        teacher = judging.teacher_mode(model)
        row["teacher"] = psnr(model.denoise(noisy, "YX", mode=teacher, device="cpu"), ref)
        row["student"] = psnr(model.denoise(noisy, "YX", mode="student", device="cpu"), ref)
        line = json.dumps(row)
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        with open(args.out / "check_by_place.jsonl", "a") as f:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
