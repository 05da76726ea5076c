"""A model applied to another kind of image: what the intensity check and the output-level
check (`napari_sdap.api.output_level`) decide, and whether the output they let through or stop
was better or worse than the noisy input.

One short `fast` model (teacher only) per kind of image, each applied to every kind, its own
included. For each pair: ``refused`` (the intensity check), ``level`` (refused because the
output of one window tried first left the image's own range), ``warned`` (denoised with the
warning) or ``fits``; for all but the refused, the PSNR of the output the level check would
stop or let through against the noisy input's, on the 8-bit scale of the image's reference
(pairs without a reference: the output's median against the image's 1-99 % range only).
Each row also has the intensity check's readings (``ratio``: the image's noise over the
training data's; ``spans``: its median's distance from the training range) and ``outside``:
how far the median of the output without the level check lies outside the image's 1-99 %
range, in units of that range.

    OMP_NUM_THREADS=2 python benchmarks/output_level.py --steps 60 --crop 256 --threads 2

Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import DEFAULT_DATA, Task, eight_bit, load_tasks, psnr

KINDS = (("fmd", "Confocal_MICE$"), ("fmd", "TwoPhoton_BPAE_G$"), ("fmd", "WideField_BPAE_B$"),
         ("strong", None), ("clip8", None), ("emccd", None), ("scmos", None),
         ("set12", None))
RAW16 = ("raw16/convallaria_emccd_1024.tif", "raw16/fa0488_evolve_512.tif")


def kinds(data: Path, crop: int) -> list[Task]:
    """One task per kind: its first image (and reference) only."""
    out = []
    for s, only in KINDS:
        t = load_tasks(data, [s], ["white"], 1, crop, only)[0]
        out.append(Task(t.set, t.name, t.noisy[:1], t.clean[:1], t.rgb, t.meta))
    for rel in RAW16:
        import tifffile

        a = tifffile.imread(data / rel).astype(np.float32)
        y, x = (a.shape[0] - crop) // 2, (a.shape[1] - crop) // 2
        out.append(Task("raw16", Path(rel).stem, [a[y:y + crop, x:x + crop]], []))
    return out


def outcome(model, image: np.ndarray) -> tuple[str, np.ndarray | None]:
    """(what the checks decide, the output without the level check or None if refused)."""
    from napari_sdap.api import job as job_module
    from napari_sdap.errors import InputError

    try:
        model.denoise(image)
        decided = None
    except InputError as err:
        decided = "level" if "output on a piece" in str(err) else "refused"
    if decided == "refused":
        return decided, None
    keep = job_module.check_output_level
    job_module.check_output_level = lambda *a, **k: None
    try:
        logging.getLogger("napari_sdap").setLevel(logging.ERROR)
        from napari_sdap.api.job import make_job

        warned = make_job(model, image, "YX", "auto").warning is not None
        out = model.denoise(image)
    finally:
        job_module.check_output_level = keep
    return decided or ("warned" if warned else "fits"), out


def mismatch(model, image: np.ndarray) -> dict:
    """The intensity check's readings: noise ratio and distance from the training range."""
    from napari_sdap.api.inputs import prepare
    from napari_sdap.api.intensity import intensity_mismatch

    with prepare(image, "YX", model.config.channel_mode) as p:
        ratio, spans = intensity_mismatch(model, p.array, p.view)
    return {"ratio": round(ratio, 3), "spans": round(spans, 3)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(DEFAULT_DATA))
    p.add_argument("--crop", type=int, default=256)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default="benchmarks/results/output-level.json")
    args = p.parse_args(argv)
    if not Path(args.data).is_dir():
        print(f"benchmark data not found at {args.data}; skipping (give --data PATH)")
        return 0
    import torch

    import napari_sdap

    torch.set_num_threads(args.threads)
    tasks = kinds(Path(args.data), args.crop)
    rows = []
    for src in tasks:
        model = napari_sdap.train(src.noisy[0], "YX", preset="fast", steps=args.steps,
                                  student=False, device="cpu", seed=1)
        for dst in tasks:
            image = dst.noisy[0]
            decided, out = outcome(model, image)
            row = {"model": f"{src.set}/{src.name}", "image": f"{dst.set}/{dst.name}",
                   "outcome": decided, **mismatch(model, image)}
            if out is not None:
                low, high = np.percentile(image, [1, 99])
                level = float(np.median(out))
                row["outside"] = round(max(low - level, level - high, 0.0) / (high - low), 3)
                if dst.clean:
                    ref = eight_bit(dst, dst.clean[0])
                    row["noisy_db"] = round(psnr(eight_bit(dst, image), ref), 2)
                    row["out_db"] = round(psnr(eight_bit(dst, out), ref), 2)
            rows.append(row)
            print(json.dumps(row), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(rows, indent=1))
    for what in ("refused", "level", "warned", "fits"):
        got = [r for r in rows if r["outcome"] == what]
        worse = [r for r in got if "out_db" in r and r["out_db"] < r["noisy_db"]]
        scored = [r for r in got if "out_db" in r]
        print(f"{what}: {len(got)} pairs; output worse than the noisy input in "
              f"{len(worse)} of the {len(scored)} with a reference")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
