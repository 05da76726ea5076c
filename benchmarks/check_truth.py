"""The student check's estimate against the truth, on the pixels it counts.

For each task of the quality harness (`quality.load_tasks`: same sets, noises, crops), trains
the default model with the check only recording (`student_check=False`, so the student is kept
whatever it reads), runs the check again (`api.distillation.judge`) and scores both networks
against the clean image on exactly the held-out pixels the check counted (after it leaves out
those next to clipped values). Prints one line per task: the estimate and its standard error,
the true difference (student minus teacher squared error over the check's noise variance), the
noise variance the check read against the true one, and the PSNR difference over the whole
image. Example::

    python benchmarks/check_truth.py --sets clip8 --crop 256
    python benchmarks/check_truth.py --sets bsd68 --noises white,pg --limit 2 --crop 256
    python benchmarks/check_truth.py --sets fmd --only Confocal_FISH --steps 1000 \
        --read-at input,teacher,student,student/mean
    python benchmarks/check_truth.py --sets fmd --crop 256 --read-at input,input/nolocal

The counted pixels are not part of the check's result, so this script follows the check's own
steps (which tiles, which pixels) by wrapping three of its functions; a change to
`infer.risk` or `api.distillation` can need a change here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import DEFAULT_DATA, NOISES, eight_bit, load_tasks, score


def _spy() -> dict:
    """Wrap the check's tile sampler, comparison and clipping rule to record what it counts."""
    import napari_sdap.api.student_judge as dist  # (where `judge` looks them up)
    import napari_sdap.infer.risk as risk

    seen: dict = {}
    compare, sample_tiles, unclipped = dist.compare, dist.sample_tiles, risk.unclipped

    def tiles(*a, **k):
        seen["k"] = []
        for item in sample_tiles(*a, **k):
            seen["k"].append(item[0])
            yield item

    def comparing(engine, student, curve, detail, windows, seed=0, local=False):
        windows = list(windows)
        seen["tiles"] = [(t, m) for _, _, t, m in windows]
        where, *how = seen.get("read_at", "input").split("/")
        return compare(engine, student, curve, detail, iter(windows), seed=seed,
                       read_at=where, mean="mean" in how, pairs="pairs" in how,
                       local=local and "nolocal" not in how)

    def clipping(*a):
        calm, count = unclipped(*a)
        seen["count"] = count
        return calm, count

    noise_at = risk.noise_at

    def scaled(*a, **k):  # `WHERE/truevar`: the curve scaled to the true variance
        return noise_at(*a, **k) * seen.get("scale", 1.0)

    dist.sample_tiles, dist.compare, risk.unclipped = tiles, comparing, clipping
    risk.noise_at = scaled
    return seen


def _held(images: list[np.ndarray], seen: dict) -> np.ndarray:
    pairs = zip(seen["tiles"], seen["k"], strict=True)
    return np.concatenate([images[k][t.ys, t.xs][m] for (t, m), k in pairs])[seen["count"]]


def _psnr(task, out: list[np.ndarray]) -> float:
    """Mean PSNR of the outputs over the task's images, as the quality harness scores them."""
    return float(np.mean([score(eight_bit(task, o), eight_bit(task, c), False)[0]
                          for o, c in zip(out, task.clean, strict=True)]))


def _model(args: argparse.Namespace, task):
    """The task's model with the check only recording: from `args.models` when saved there,
    else trained (and saved there)."""
    import napari_sdap

    name = f"{task.set}_{task.name}_{args.preset}_{args.steps or 'preset'}.sdap".replace("/", "_")
    path = args.models / name if args.models else None
    if path is not None and path.exists():
        return napari_sdap.load_model(path)
    model = napari_sdap.train(task.noisy, "YX", preset=args.preset, device="cpu",
                              steps=args.steps, student_check=False)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
    return model


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--sets", default="clip8")
    p.add_argument("--noises", default="white")
    p.add_argument("--only")
    p.add_argument("--limit", type=int)
    p.add_argument("--crop", type=int)
    p.add_argument("--preset", default="fast")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, help="teacher steps (default: the preset's)")
    p.add_argument("--models", type=Path,
                   help="keep each trained model here (and load it, when there, instead of "
                        "training again)")
    p.add_argument("--read-at", default="input",
                   help="where the check reads each pixel's noise variance, comma-separated "
                        "(input, teacher, student: infer.risk.compare); WHERE/mean reads it "
                        "from the curve of the mean squared block differences, not the median; "
                        "WHERE/truevar scales "
                        "the curve so that the counted pixels' mean variance is the true one "
                        "(an oracle, after the first reading); WHERE/pairs reads the curve "
                        "from the pairs' and diagonal differences (infer.risk.block_curve); "
                        "WHERE/nolocal leaves out the local scale (`compare`'s `local`)")
    args = p.parse_args(argv)
    if not args.data.is_dir():
        print(f"no benchmark data at {args.data}; skipped")
        return 0
    import torch

    from napari_sdap.api.distillation import judge, teacher_mode
    from napari_sdap.api.inputs import prepare_all

    torch.set_num_threads(args.threads)
    seen = _spy()
    noises = [n for n in args.noises.split(",") if n in NOISES]
    for task in load_tasks(args.data, args.sets.split(","), noises, args.limit, args.crop,
                           args.only):
        if task.rgb:
            continue
        model = _model(args, task)
        if model.student is None:
            print(f"{task.set} {task.name}: no student (stride {model.config.training.stride})")
            continue
        sources = [(q.array, q.view) for q in prepare_all(task.noisy, "YX", "auto")]
        readings = {}  # the spy keeps the last call's tiles and counted pixels: every reading
        asked = args.read_at.split(",")  # samples the same tiles and counts the same ones
        for where in asked:
            if "truevar" not in where:
                seen["read_at"] = where
                readings[where] = judge(model, model.student, sources, torch.device("cpu"))
        got = readings[asked[0]]
        if got is None:
            print(f"{task.set} {task.name}: not checked")
            continue
        mode = teacher_mode(model)
        teacher = [model.denoise(x, "YX", mode=mode, device="cpu") for x in task.noisy]
        student = [model.denoise(x, "YX", mode="student", device="cpu") for x in task.noisy]
        clean = [np.asarray(c, np.float64) for c in task.clean]
        y, x = _held(clean, seen), _held(task.noisy, seen)
        t, s = _held(teacher, seen), _held(student, seen)
        scale = model.normalization.scale(0)[1]
        noise = got.noise * scale**2
        true = float(((s - y) ** 2 - (t - y) ** 2).mean()) / noise
        cross = float((2 * (x - y) * (s - t)).mean()) / noise
        for where in (w for w in asked if "truevar" in w):  # the curve scaled to the truth
            seen["read_at"], seen["scale"] = where, float(((x - y) ** 2).mean()) / noise
            readings[where] = judge(model, model.student, sources, torch.device("cpu"))
            seen["scale"] = 1.0
        print(f"{task.set} {task.name}: estimate {got.excess:+.4f} ({got.excess_se:.4f}) "
              f"true {true:+.4f} on {got.pixels} pixels; noise read/true "
              f"{noise / float(((x - y) ** 2).mean()):.3f}; student - teacher "
              f"{_psnr(task, student) - _psnr(task, teacher):+.2f} dB; of the true "
              f"difference, the noise's share 2 n (s - t) {cross:+.4f}", flush=True)
        for where, other in list(readings.items())[1:]:
            print(f"    read at the {where}: estimate {other.excess:+.4f} ({other.excess_se:.4f}), "
                  f"true {true * got.noise / other.noise:+.4f} in its noise variance "
                  f"({other.noise / got.noise:.3f} of the first reading's)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
