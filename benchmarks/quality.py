"""Denoising quality on real and synthetic data: SDAP vs the noisy input and blind BM3D.

Protocol (see ../shared/data/README.md): every model is trained only on the noisy image(s) it
then denoises; PSNR/SSIM are computed against the reference on the 0-255 scale of the stored
8-bit files (output clipped to 0..255, ``data_range=255``), and so is the affine PSNR: after
the gain and offset that fit the output best to the reference, as some low-light evaluations
use.

- ``fmd``: one model per sample type, trained on its (unique) noisy frames, each frame scored
  against the type's reference;
- ``polyu``: one model per RGB image (joint channels);
- ``set12`` / ``bsd68``: one model per image and synthetic noise: ``white`` (Gaussian sigma 25),
  ``pg`` (Poisson at peak 30 photons plus Gaussian sigma 3 on the 0-255 scale) and ``corr``
  (unit white noise box-filtered 3 x 3, scaled to std 25: correlation 2/3 at lag 1, 1/3 at lag 2);
- ``clip8`` / ``strong``: low-photon proxies built from clean references (`proxies.py`): 8-bit
  frames at a peak of 6-16 photons with most dark pixels clipped at 0, and unclipped
  Poisson-Gaussian noise at a peak of 5-10 photons;
- ``camera``: phone-camera sRGB noise (Bayer mosaic, Poisson-Gaussian, demosaicing, colour
  matrix, gamma, 8-bit) on PolyU references (`proxies.py`);
- ``clipcorr`` / ``camjpeg``: the ``clip8`` frames with noise correlated between neighbours,
  and the ``camera`` frames saved as JPEG at quality 90;
- ``dslr``: the ``camera`` pipeline at a large sensor's photon counts (31-36 dB PSNR), on
  five other PolyU references;
- ``phone`` (`phone_proxy.py`): the ``camera`` pipeline with a phone's noise reduction (colour
  more than luma), sharpening and JPEG, on five other PolyU references;
- ``wfclip``: FMD's real wide-field frames with their black level set at the background
  (clipped at 0);
- ``emccd``: 16-bit EMCCD frames (Poisson photons, a multiplying register's excess noise, offset,
  read noise) of clean microscopy at 15-60 photons, scored on the 8-bit scale of their range;
- ``linescan`` / ``scmos`` (`scan_proxies.py`): a point scanner's photon and PMT noise
  correlated along the fast axis by the detector's bandwidth, and 16-bit sCMOS frames with a
  read noise per pixel (some pixels much noisier) and a random offset per row.

Methods: ``noisy``, ``bm3d`` (blind sigma), ``bm3d-true`` (synthetic noise's sigma), ``gauss-gt``
(a Gaussian blur whose sigma was chosen with the reference: an anchor no real user can reach),
``sdap`` and ``n2v``.

Run small on a CPU (``--crop 256 --limit 2 --steps 150``) or in full on a GPU. Results go to
``--out`` as JSON, CSV and a markdown summary. Example::

    nice python benchmarks/quality.py --sets fmd --limit 3 --crop 256 --steps 200 --threads 2

Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from phone_proxy import PHONE_PROXIES
from proxies import PROXIES
from scan_proxies import SCAN_PROXIES

ROOT = Path(__file__).resolve().parents[1]
PROXIES = {**PROXIES, **SCAN_PROXIES, **PHONE_PROXIES}
DEFAULT_DATA = Path(os.environ.get("SDAP_DATA", ROOT.parent / "shared" / "data"))
NOISES = ("white", "pg", "corr", "corr2", "corr15", "corr2_15")
"""`corr`/`corr15`: 3 x 3 box-filtered Gaussian, per-pixel std 25/15; `corr2`/`corr2_15`: 2 x 2,
std 20/15."""
BOX = {"corr": (3, 25.0), "corr2": (2, 20.0), "corr15": (3, 15.0), "corr2_15": (2, 15.0)}
WEAK = {"white10": 10.0, "white5": 5.0}
"""Weak white Gaussian noise (std on the 0-255 scale); not in the default `--noises`."""


@dataclass
class Task:
    """Noisy inputs (trained on together) and the reference each is scored against."""

    set: str
    name: str
    noisy: list[np.ndarray]
    clean: list[np.ndarray]
    rgb: bool = False
    meta: dict = field(default_factory=dict)


def _read(path: Path) -> np.ndarray:
    from skimage.io import imread

    return imread(path).astype(np.float32)


def _crop(a: np.ndarray, n: int | None) -> np.ndarray:
    if not n:
        return a
    h, w = a.shape[:2]
    y, x = max(0, (h - n) // 2), max(0, (w - n) // 2)
    return a[y : y + n, x : x + n]


def box_noise(shape: tuple[int, ...], k: int, std: float, rng: np.random.Generator
              ) -> np.ndarray:
    """Gaussian noise of per-pixel std `std` correlated by a k x k box (float64, 2-D)."""
    white = rng.normal(0, 1, (shape[0] + k - 1, shape[1] + k - 1))
    box = sum(white[dy : dy + shape[0], dx : dx + shape[1]]
              for dy in range(k) for dx in range(k)) / float(k)
    return std * box


def add_noise(clean: np.ndarray, kind: str, seed: int) -> np.ndarray:
    """Synthetic noise on the 0-255 scale (float32, not clipped)."""
    rng = np.random.default_rng(seed)
    if kind == "white" or kind in WEAK:
        std = WEAK.get(kind, 25.0)
        return clean + rng.normal(0, std, clean.shape).astype(np.float32)
    if kind == "pg":
        peak = 30.0
        return (rng.poisson(clean / 255 * peak) / peak * 255
                + rng.normal(0, 3, clean.shape)).astype(np.float32)
    if kind in BOX:
        return (clean + box_noise(clean.shape, *BOX[kind], rng)).astype(np.float32)
    raise ValueError(f"noise must be one of {NOISES + tuple(WEAK)} (got {kind!r})")


def load_tasks(data: Path, sets: list[str], noises: list[str], limit: int | None,
               crop: int | None, only: str | None) -> list[Task]:
    """Build the benchmark tasks; `limit` keeps the first N per set (and noise)."""
    tasks: list[Task] = []
    for s in sets:
        found: list[Task] = []
        if s == "fmd":
            types = sorted({p.stem.rsplit("_", 1)[0] for p in (data / "fmd/raw").glob("*.png")})
            for t in types:
                frames, seen = [], set()
                for p in sorted((data / "fmd/raw").glob(f"{t}_*.png")):
                    digest = hashlib.sha256(p.read_bytes()).hexdigest()
                    if digest not in seen:  # WideField_BPAE_B_1 and _2 are identical
                        seen.add(digest)
                        frames.append(p)
                ref = _crop(_read(data / "fmd/gt" / frames[0].name), crop)
                found.append(Task("fmd", t, [_crop(_read(p), crop) for p in frames],
                                  [ref] * len(frames)))
        elif s == "polyu":
            for p in sorted((data / "polyu").glob("*_real.JPG")):
                ref = p.with_name(p.name.replace("_real", "_mean"))
                found.append(Task("polyu", p.stem.removesuffix("_real"),
                                  [_crop(_read(p), crop)], [_crop(_read(ref), crop)], rgb=True))
        elif s in ("set12", "bsd68"):
            files = sorted((data / s).glob("*.png"))[: limit or None]
            for noise in noises:
                k = NOISES.index(noise) if noise in NOISES else 0  # same noise, same seed
                for i, p in enumerate(files):
                    clean = _crop(_read(p), crop)
                    if clean.ndim == 3:
                        clean = clean[..., 0]
                    noisy = add_noise(clean, noise, seed=1000 * k + i)
                    found.append(Task(s, f"{p.stem}/{noise}", [noisy], [clean],
                                      meta={"noise": noise}))
        elif s in PROXIES:
            found = [Task(s, name, [noisy], [clean], rgb=meta.get("rgb", False), meta=meta)
                     for name, noisy, clean, meta in PROXIES[s](data, crop)]
        else:
            raise SystemExit(f"unknown set {s!r}; choose from fmd, polyu, set12, bsd68, "
                             f"{', '.join(PROXIES)}")
        if only:
            # a name ending in "$" matches exactly, any other as a part of the task's name
            found = [t for t in found if any(t.name == o[:-1] if o.endswith("$") else o in t.name
                                             for o in only.split(","))]
        if limit and s in ("fmd", "polyu", *PROXIES):
            found = found[:limit]
        tasks.extend(found)
    return tasks


def task_options(p: argparse.ArgumentParser, threads: int = 1) -> None:
    """The options that choose tasks, for the benchmarks built on this one (`chosen_tasks`)."""
    p.add_argument("--data", default=str(DEFAULT_DATA))
    p.add_argument("--sets", default="fmd")
    p.add_argument("--noises", default="white")
    p.add_argument("--only", default=None)
    p.add_argument("--crop", type=int, default=None)
    p.add_argument("--threads", type=int, default=threads)


def data_folder(path: str | Path) -> Path | None:
    """The benchmark data folder `path`, or None (after saying so) when it is missing."""
    data = Path(path)
    if not data.is_dir():
        print(f"benchmark data not found at {data}; skipping (give --data PATH)")
        return None
    return data


def chosen_tasks(args: argparse.Namespace) -> list[Task] | None:
    """The tasks `task_options` chose, with torch set to `args.threads`; None (after saying
    so) when the data folder is missing."""
    if not Path(args.data).is_dir():
        print(f"benchmark data not found at {args.data}; skipping (give --data PATH)")
        return None
    import torch

    torch.set_num_threads(args.threads)
    return load_tasks(Path(args.data), args.sets.split(","), args.noises.split(","), None,
                      args.crop, args.only)


def tasks_from_command_line(doc: str, **defaults: object) -> list[Task] | None:
    """`chosen_tasks` for a script whose only options are `task_options` (with `defaults`);
    `doc` is the script's module text (its first line: the help's description)."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    task_options(p)
    p.set_defaults(**defaults)
    return chosen_tasks(p.parse_args())


def eight_bit(task: Task, a: np.ndarray) -> np.ndarray:
    """An image of the task on the 8-bit scale its scores use: the task's own for most; for
    16-bit proxies (`meta["to8"]` = offset, factor) ``(a - offset) * factor``."""
    if "to8" not in task.meta:
        return a
    offset, factor = task.meta["to8"]
    return ((a.astype(np.float64) - offset) * factor).astype(np.float32)


def native(task: Task, a: np.ndarray) -> np.ndarray:
    """The inverse of `eight_bit`."""
    if "to8" not in task.meta:
        return a
    offset, factor = task.meta["to8"]
    return (a.astype(np.float64) / factor + offset).astype(np.float32)


def psnr(out: np.ndarray, ref: np.ndarray) -> float:
    """PSNR on the 8-bit scale, the output clipped to 0..255 (`data_range` 255)."""
    err = np.clip(out.astype(np.float64), 0, 255) - ref.astype(np.float64)
    return float(10 * np.log10(255.0**2 / np.mean(err * err)))


def affine_psnr(out: np.ndarray, ref: np.ndarray) -> float:
    """PSNR on the 8-bit scale after the gain and offset that fit `out` best to `ref` (least
    squares over all pixels): a score blind to a wrong brightness scale, as some evaluations
    of low-light frames use."""
    x = out.astype(np.float64).ravel()
    y = ref.astype(np.float64).ravel()
    gain, offset = np.polyfit(x, y, 1) if np.ptp(x) > 0 else (0.0, float(y.mean()))
    err = gain * x + offset - y
    return float(10 * np.log10(255.0**2 / np.mean(err * err)))


def score(out: np.ndarray, ref: np.ndarray, rgb: bool) -> tuple[float, float]:
    """PSNR and SSIM on the 8-bit scale (output clipped to 0..255)."""
    from skimage.metrics import structural_similarity

    clipped = np.clip(out.astype(np.float64), 0, 255)
    ssim = structural_similarity(ref.astype(np.float64), clipped, data_range=255,
                                 channel_axis=-1 if rgb else None)
    return psnr(out, ref), float(ssim)


# ----------------------------------------------------------------------------------- methods


def true_sigma(noise: str, clean: np.ndarray) -> float:
    """The per-pixel noise std of a synthetic noise (0-255 scale; for `pg` its RMS over the
    image: Poisson at peak 30 plus Gaussian std 3)."""
    if noise == "pg":
        return float(np.sqrt(np.mean(np.clip(clean, 0, None)) * 255 / 30 + 9))
    return 25.0 if noise == "white" else WEAK[noise] if noise in WEAK else BOX[noise][1]


def run_bm3d(task: Task, true: bool = False) -> tuple[list[np.ndarray], dict]:
    """BM3D with a blind white-noise sigma from `skimage.restoration.estimate_sigma`, or with
    `true`, the synthetic noise's true per-pixel std (`true_sigma`)."""
    import bm3d
    from skimage.restoration import estimate_sigma

    outs, sigmas = [], []
    for x, ref in zip((eight_bit(task, a) for a in task.noisy),
                      (eight_bit(task, a) for a in task.clean), strict=True):
        if true and "noise" not in task.meta:
            raise SystemExit(f"bm3d-true needs synthetic noise ({task.set}/{task.name} is real)")
        sigma = (true_sigma(task.meta["noise"], ref) if true else
                 float(np.mean(estimate_sigma(x, channel_axis=-1 if task.rgb else None))))
        sigmas.append(round(sigma, 2))
        if task.rgb:
            y = bm3d.bm3d_rgb(x / 255.0, sigma / 255.0) * 255.0
        else:
            y = bm3d.bm3d(x / 255.0, sigma / 255.0) * 255.0
        outs.append(native(task, np.asarray(y, np.float32)))
    return outs, {"sigma_true" if true else "sigma_est": sigmas}


def run_gauss_gt(task: Task) -> tuple[list[np.ndarray], dict]:
    """A Gaussian blur per image with the sigma (0.3-4.0 px, steps of 0.1) that scores best
    against the reference: an upper bound for a blur, not a method a user can run."""
    from scipy.ndimage import gaussian_filter

    outs, sigmas = [], []
    for x, ref in zip((eight_bit(task, a) for a in task.noisy),
                      (eight_bit(task, a) for a in task.clean), strict=True):
        best = (-np.inf, 0.0, x)
        for sigma in np.arange(0.3, 4.01, 0.1):
            y = gaussian_filter(x, (sigma, sigma, 0) if task.rgb else sigma, mode="reflect")
            best = max(best, (psnr(y, ref), float(sigma), y), key=lambda b: b[0])
        outs.append(native(task, best[2].astype(np.float32)))
        sigmas.append(round(best[1], 1))
    return outs, {"sigma_gt": sigmas}


def run_sdap(task: Task, args: argparse.Namespace) -> tuple[dict[str, list[np.ndarray]], dict]:
    """Train on all noisy inputs of the task (time budget), denoise each with every mode."""
    import napari_sdap
    from napari_sdap.training.noise import describe_noise

    axes = "YXC" if task.rgb else "YX"
    overrides = {k: v for k, v in (("width", args.width), ("blocks", args.blocks),
                                   ("batch_size", args.batch), ("patch_size", args.patch),
                                   ("loss", args.loss), ("learning_rate", args.lr),
                                   ("pd_stride", args.pd_stride)) if v is not None}
    overrides.update(args.set)
    stride = "auto" if args.stride == "auto" else int(args.stride)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    t0, c0 = time.perf_counter(), clock()
    model, steps = None, 0
    for rec in napari_sdap.iter_train(task.noisy, axes, preset=args.preset, steps=args.steps,
                                      stride=stride, seed=args.seed, device=args.device,
                                      **overrides):
        model, steps = rec.model, rec.step
        if args.time_budget and clock() - c0 > args.time_budget:
            break
    train_s, train_cpu_s = time.perf_counter() - t0, clock() - c0
    outs: dict[str, list[np.ndarray]] = {}
    t1 = time.perf_counter()
    inference = model.config.inference
    default_pd = inference.pd_stride
    curve = model.noise_curve
    for spec in args.modes:  # "mode", "mode@pd_stride", either + "-plain" (no detail restore)
        spec, plain = spec.removesuffix("-plain"), spec.endswith("-plain")  # or "-sharp" (no
        spec, sharp = spec.removesuffix("-sharp"), spec.endswith("-sharp")  # output blur, no
        if curve is not None:  # mix with the blurred input)
            model.noise_curve = (curve.model_copy(update={"blur": 0.0, "mix": 0.0}) if sharp
                                 else curve)
        mode, _, pd = spec.partition("@")
        if mode == "teacher":  # the blind-spot network's own mode, whatever auto picks
            from napari_sdap.api.distillation import teacher_mode

            mode = teacher_mode(model)
        inference.pd_stride = int(pd) if pd else default_pd
        name = model.resolve_mode(mode)
        label = ((f"{mode}={name}" if mode == "auto" else name) + (f"@{pd}" if pd else "")
                 + ("-plain" if plain else "") + ("-sharp" if sharp else ""))
        outs[label] = [model.denoise(x, axes, mode=mode, device=args.device, detail=not plain)
                       for x in task.noisy]
    inference.pd_stride = default_pd
    model.noise_curve = curve
    info = {"train_s": round(train_s, 1), "train_clock_s": round(train_cpu_s, 1),
            "clock": args.clock, "infer_s": round(time.perf_counter() - t1, 1),
            "steps": steps, "stride": model.config.training.stride,
            "student_steps": model.record.student_steps,
            "student_s": round(model.record.student_seconds, 1),
            "student_check": model.record.student_check,
            "target_blur": model.record.target_blur,
            "output_blur": model.record.output_blur,
            "output_mix": model.record.output_mix,
            "pd_stride": model.config.inference.pd_stride,
            "noise": describe_noise(model.record.noise)}
    return outs, info


# -------------------------------------------------------------------------------------- main


def _machine(device: str) -> str:
    import torch

    if device != "cpu" and torch.cuda.is_available():
        return f"CUDA {torch.cuda.get_device_name(0)}"
    return f"CPU {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"


def evaluate(task: Task, args: argparse.Namespace) -> list[dict]:
    """All requested methods on one task -> one row per (method, image)."""
    rows: list[dict] = []

    def add(method: str, outs: list[np.ndarray], info: dict) -> None:
        for i, (y, ref) in enumerate(zip(outs, task.clean, strict=True)):
            out8, ref8 = eight_bit(task, y), eight_bit(task, ref)
            psnr, ssim = score(out8, ref8, task.rgb)
            rows.append({"set": task.set, "task": task.name, "image": i, "method": method,
                         "psnr": round(psnr, 3), "ssim": round(ssim, 4),
                         "psnr_affine": round(affine_psnr(out8, ref8), 3), **info})

    sdap_s = 0.0
    for method in args.methods:
        t0 = time.perf_counter()
        if method == "n2v":  # SDAP's training time on this task (x --n2v-factor)
            from n2v_careamics import run_n2v

            budget = args.n2v_budget or args.n2v_factor * sdap_s
            if budget <= 0:
                raise SystemExit("n2v needs --n2v-budget or the sdap method before it")
            outs, info = run_n2v(task.noisy, budget, args.n2v_python, args.threads, args.seed)
            add("n2v", outs, {"train_s": info["train_s"], "n2v_steps": info["steps"],
                              "total_s": round(time.perf_counter() - t0, 1)})
        elif method == "noisy":
            add("noisy", task.noisy, {})
        elif method in ("bm3d", "bm3d-true"):
            outs, info = run_bm3d(task, true=method == "bm3d-true")
            add(method, outs, {**info, "total_s": round(time.perf_counter() - t0, 1)})
        elif method == "gauss-gt":
            outs, info = run_gauss_gt(task)
            add(method, outs, info)
        elif method == "sdap":
            outs_by_mode, info = run_sdap(task, args)
            sdap_s = info["train_s"]
            for mode, outs in outs_by_mode.items():
                add(f"sdap[{mode}]", outs, info)
        else:
            raise SystemExit(f"unknown method {method!r}; choose from noisy, bm3d, bm3d-true, "
                             f"gauss-gt, sdap, n2v")
    return rows


def summarise(rows: list[dict]) -> str:
    """Markdown table: mean PSNR / SSIM per (set, noise, method), plus mean train time."""
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for r in rows:
        noise = r["task"].split("/")[1] if "/" in r["task"] else "real"
        groups.setdefault((r["set"], noise, r["method"]), []).append(r)
    lines = ["| set | noise | method | images | PSNR (dB) | affine PSNR | SSIM | train s (budget "
             "clock) |", "|---|---|---|---:|---:|---:|---:|---:|"]
    for (s, noise, method), rs in sorted(groups.items()):
        train = [r.get("train_clock_s", r["train_s"]) for r in rs if "train_s" in r]
        lines.append(f"| {s} | {noise} | {method} | {len(rs)} | "
                     f"{np.mean([r['psnr'] for r in rs]):.2f} | "
                     f"{np.mean([r['psnr_affine'] for r in rs]):.2f} | "
                     f"{np.mean([r['ssim'] for r in rs]):.4f} | "
                     + (f"{np.mean(train):.0f} |" if train else "- |"))
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    p.add_argument("--sets", default="fmd,polyu,set12,bsd68")
    p.add_argument("--noises", default=",".join(NOISES), help="synthetic noises for set12/bsd68")
    p.add_argument("--only", help="keep tasks whose name contains one of these "
                   "(comma-separated; NAME$: exactly NAME)")
    p.add_argument("--limit", type=int, help="first N tasks per set (images per noise)")
    p.add_argument("--crop", type=int, help="centre crop edge in pixels (speed on CPU)")
    p.add_argument("--methods", default="noisy,bm3d,sdap",
                   help="noisy,bm3d,bm3d-true,sdap,n2v (bm3d-true: given the synthetic noise's "
                        "true std; n2v: CAREamics, see benchmarks/n2v_careamics.py)")
    p.add_argument("--n2v-budget", type=float, default=0.0,
                   help="N2V training wall seconds (0: the SDAP training time of each task)")
    p.add_argument("--n2v-factor", type=float, default=1.0,
                   help="without --n2v-budget: N2V trains this many times SDAP's training time")
    p.add_argument("--n2v-python", help="interpreter with CAREamics (default $SDAP_N2V_PYTHON)")
    p.add_argument("--preset", default="auto", help="paper, fast, tiny or auto")
    p.add_argument("--steps", type=int, help="training steps (preset default if omitted)")
    p.add_argument("--time-budget", type=float, default=0.0,
                   help="seconds of SDAP training per task (0 = none); training also ends at "
                        "--steps (or the preset's steps), whichever comes first")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="what --time-budget counts: wall seconds, or CPU seconds of this process "
                        "(fair on a shared machine with --threads 1)")
    p.add_argument("--stride", default="auto", help="'auto' or an RSG stride")
    p.add_argument("--modes", default="auto",
                   help="inference modes, e.g. auto,teacher,bsn,sdap_e,sdap_e@3,auto-plain (@: PD "
                        "stride; -plain: without the detail restore; -sharp: without the output "
                        "blur or mix; teacher: the blind-spot network's own mode)")
    p.add_argument("--width", type=int)
    p.add_argument("--blocks", type=int)
    p.add_argument("--batch", type=int)
    p.add_argument("--patch", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--loss", choices=("l1", "l2"))
    p.add_argument("--pd-stride", type=int)
    p.add_argument("--device", default="auto")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="any config field for training, e.g. --set target_flips=4 (repeatable;"
                        " the value is read as JSON, else as text)")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    p.add_argument("--tag", default="quality", help="file name stem of the results")
    args = p.parse_args(argv)
    for key in ("sets", "noises", "methods", "modes"):
        setattr(args, key, [v for v in getattr(args, key).split(",") if v])
    args.set = dict(_field(item) for item in args.set)
    return args


def _field(item: str) -> tuple[str, object]:
    key, sep, text = item.partition("=")
    if not sep or not key:
        raise SystemExit(f"--set needs FIELD=VALUE (got {item!r})")
    try:
        return key, json.loads(text)
    except json.JSONDecodeError:
        return key, text


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if not args.data.is_dir():
        print(f"benchmark data not found at {args.data}; skipping (give --data PATH)")
        return 0
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    tasks = load_tasks(args.data, args.sets, args.noises, args.limit, args.crop, args.only)
    machine = _machine(args.device)
    print(f"{len(tasks)} tasks on {machine}; command: {' '.join(sys.argv)}", flush=True)
    rows: list[dict] = []
    args.out.mkdir(parents=True, exist_ok=True)
    for k, task in enumerate(tasks, 1):
        t0 = time.perf_counter()
        new = evaluate(task, args)
        rows.extend(new)
        brief = ", ".join(f"{m} {np.mean([r['psnr'] for r in new if r['method'] == m]):.2f}"
                          for m in dict.fromkeys(r["method"] for r in new))
        extra = next((f" | {r['noise']}, {r['steps']} steps, {r['train_s']} s wall, "
                       f"{r['train_clock_s']} s {r['clock']}"
                       + (f", targets blurred {r['target_blur']['sigma']:g} px"
                          if (r.get("target_blur") or {}).get("sigma") else "")
                       + (f", output blurred {r['output_blur']['sigma']:g} px"
                          if (r.get("output_blur") or {}).get("sigma") else "")
                       + (f", {100 * r['output_mix']['share']:.0f} % of the input blurred "
                          f"{r['output_mix']['sigma']:g} px mixed in"
                          if (r.get("output_mix") or {}).get("share") else "") for r in new
                      if "noise" in r), "")
        print(f"[{k}/{len(tasks)}] {task.set} {task.name}: {brief}{extra} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
        _write(args, rows, machine)
    print(summarise(rows))
    return 0


def _write(args: argparse.Namespace, rows: list[dict], machine: str) -> None:
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    meta = {"machine": machine, "command": " ".join(sys.argv), "settings": settings}
    (args.out / f"{args.tag}.json").write_text(json.dumps({**meta, "rows": rows}, indent=1))
    keys = list(dict.fromkeys(k for r in rows for k in r))
    with open(args.out / f"{args.tag}.csv", "w", newline="") as f:
        w = csv.DictWriter(f, keys)
        w.writeheader()
        w.writerows(rows)
    (args.out / f"{args.tag}.md").write_text(
        f"Machine: {machine}\n\nCommand: `{meta['command']}`\n\n{summarise(rows)}\n")


if __name__ == "__main__":
    raise SystemExit(main())
