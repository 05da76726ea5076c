"""How the noise covariance behind the output blur (`infer.correlated`) is read from the noisy
data, against the truth: the shipped reading and alternatives, compared on the same models.

The output blur of models trained at a stride above 1 is chosen by Stein's estimate for
correlated noise, whose probes carry the covariance read from the noisy input where the output
is flattest. For each task (default: the FMD wide-field types, phone-camera proxies and Set12 /
BSD68 crops with box-filtered noise, 256² crops) this trains the default (`fast`; with
``--models DIR`` the trained models are kept there and reused), and prints:

- the true change (dB) of blurring the output (without its own blur) by each sigma tried, and
  of mixing 10-50 % of the noisy input back into the shipped output (oracles: the reference
  decides);
- for each reading, the noise variance's scale (`Covariance.factor`) against the one the true
  noise ``x - reference`` gives, and its lag-1 / lag-2 correlations against the truth:
  ``local`` (shipped: the quarter of the pixels with the least roughness of the output blurred
  by 2 px), ``calm4`` (blurred by 4 px), ``ring`` (roughness averaged over a ring 8-16 px
  around the pixel, away from the noise the variogram reads there), ``block16`` (the median
  over 16 x 16 blocks of each block's variogram; no selection);
- for ``local``, ``calm4`` and ``ring``, and for the true noise's covariance, the blur the
  estimate then chooses among 0.7-3 px and its true change;
- the share of the noisy input that Stein's estimate (the shipped reading) would mix back into
  the shipped output, and the best share with the reference;
- where a task has several frames of one field of view (FMD), the covariance read from the
  differences of two frames, which are noise alone, and the blur chosen with it.

Example::

    python benchmarks/blur_reading.py --sets fmd,camera --only WideField,toy_1 --crop 256
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
from quality import chosen_tasks, psnr, task_options

SIGMAS = (0.7, 1.0, 1.5, 2.0, 2.5, 3.0)
SHARES = (0.1, 0.2, 0.3, 0.5)


def _ring(rough, inner: int = 8, outer: int = 16):
    """`rough` averaged over the ring `inner`-`outer` px (Chebyshev) around each pixel."""
    import torch
    import torch.nn.functional as F

    def total(t, r):
        return F.avg_pool2d(t, 2 * r + 1, 1, r, count_include_pad=False, divisor_override=1)

    def ring(mu):
        r = rough(mu)[:, None]
        ones = torch.ones_like(r)
        return ((total(r, outer) - total(r, inner - 1))
                / (total(ones, outer) - total(ones, inner - 1)))[:, 0]
    return ring


def _block_read(seen, curve, edge: int = 16) -> tuple[float, np.ndarray]:
    """(scale, kernel's lag-1 and lag-2 correlations) from the median over `edge`² blocks."""
    from napari_sdap.infer.correlated import FAR, _lags, _pairs, curve_at

    lags = _lags(FAR[1])
    far = [i for i, d in enumerate(lags) if FAR[0] <= max(abs(d[0]), abs(d[1]))]
    rows, shapes = [], []
    for x, f, g, ok, _ in seen:
        h, w = x.shape[-2:]
        for c in range(x.shape[0]):
            xc, sc = x[c].astype(np.float64), curve_at(f[c], curve, g, c)
            for by in range(0, h - edge + 1, edge):
                for bx in range(0, w - edge + 1, edge):
                    blk = (slice(by, by + edge), slice(bx, bx + edge))
                    xb, ob = xc[blk], ok[c][blk]
                    if ob.mean() < 0.9:
                        continue
                    gam = []
                    for d in lags:
                        a, b = _pairs(d, edge, edge)
                        both = ob[a] & ob[b]
                        gam.append(((xb[a] - xb[b])[both] ** 2).mean() / 2)
                    rows.append(gam)
                    shapes.append(sc[blk][ob].mean())
    per = np.array(rows)
    sills = per[:, far].mean(1)
    scale = float(np.median(sills / np.array(shapes)))
    med = np.median(per / sills[:, None], axis=0)
    corr = [1 - np.mean([med[i] for i, d in enumerate(lags) if d in pair]) / med[far].mean()
            for pair in (((0, 1), (1, 0)), ((0, 2), (2, 0)))]
    return scale, np.array(corr)


def _give_back(run, windows, curve, cov, reach: int) -> tuple[float, float, float]:
    """(share Stein's estimate gives the noisy input mixed back into the shipped output, its
    estimated gain in % of the noise variance, the best share with the reference) on the
    windows: the risk of ``(1 - a) f + a x`` less that of ``f`` is, per pixel,
    ``((1 - a)**2 - 1) (f - x)**2 + 2 a (C_ii - (J C)_ii)``, lowest at
    ``a = 1 - sum(C_ii - (J C)_ii) / sum((f - x)**2)``."""
    from napari_sdap.infer.correlated import _EPS, correlated_probe, counted, curve_at
    from napari_sdap.infer.smoothing import inside

    rng = np.random.default_rng(0)
    r2 = spare = truth_num = truth_den = scale = 0.0
    for (x, g, tile), ref in windows:
        x = np.asarray(x, np.float32)
        f = run(x, g)[1].astype(np.float64)
        var = np.stack([curve_at(f[c], curve, g, c) * cov.factor[(g, c)]
                        for c in range(x.shape[0])])
        own = np.zeros(x.shape)
        for _ in range(2):
            b = correlated_probe(rng, x.shape, cov.kernel) * np.sqrt(var).astype(np.float32)
            own += b * (run(x + np.float32(_EPS) * b, g)[1] - f) / _EPS / 2
        iy, ix = inside(tile.inner, x.shape[-2:], reach)
        cut = (slice(None), iy, ix)
        keep = counted(x)[cut]
        d, e = (x - f)[cut][keep], (f - np.asarray(ref, np.float64))[cut][keep]
        r2 += float((d * d).sum())
        spare += float((var - own)[cut][keep].sum())
        truth_num -= float((d * e).sum())
        truth_den += float((d * d).sum())
        scale += float(var[cut][keep].sum())
    a = 1.0 - spare / r2
    return a, 100 * r2 * a * a / scale, truth_num / truth_den


def correlated_models(description: str, argv: list[str] | None = None, **defaults):
    """Parse the task options (with `defaults`) and ``--models``; yield (task, name, axes,
    model) for each task's kept default model trained for correlated noise (stride above 1,
    with a noise curve), naming the others as skipped. Nothing when the data is missing."""
    p = argparse.ArgumentParser(description=description)
    task_options(p)
    p.add_argument("--models", default=None, help="folder to keep the trained models in")
    p.set_defaults(**defaults)
    args = p.parse_args(argv)
    keep = Path(args.models) if args.models else None
    for task in chosen_tasks(args) or []:
        name, axes, model = kept_model(task, keep)
        if model.config.training.stride < 2 or model.noise_curve is None:
            print(f"{name}: stride {model.config.training.stride}, skipped", flush=True)
            continue
        yield task, name, axes, model


def kept_model(task, keep: Path | None):
    """(name, axes, model): the shipped default (`fast`) trained on `task`, read from the
    folder `keep` where it was kept before, and kept there otherwise."""
    import napari_sdap

    axes = "YXC" if task.rgb else "YX"
    name = f"{task.set}_{task.name}".replace("/", "_")
    path = keep / f"{name}.sdap" if keep else None
    if path is not None and path.exists():
        return name, axes, napari_sdap.load_model(path)
    model = napari_sdap.train(task.noisy, axes, preset="fast", device="cpu")
    if path is not None:
        model.save(path)
    return name, axes, model


def estimate_windows(model, task, axes: str):
    """What the output blur's estimate (`api.output_blur`) reads, for the model's default
    mode: (run without the blur, run as shipped, the `sampled_windows` arguments, [windows of
    the noisy images, the same windows of the references], and per window (input, output
    without the blur, channel group, counted pixels, reference))."""
    import torch

    import napari_sdap.infer.correlated as cor
    from napari_sdap.api.inputs import prepare_all
    from napari_sdap.api.output_blur import _SEED, OUTPUT_PIXELS
    from napari_sdap.api.target_blur import sampled_windows
    from napari_sdap.infer.gaussian import blur_radius
    from napari_sdap.infer.targets import teacher
    from napari_sdap.infer.tiling import alignment, exact_halo

    cfg, cpu = model.config, torch.device("cpu")
    mode, pd = model.resolve_mode("auto"), cfg.inference.pd_stride
    shipped = model.refine(mode=mode)
    refine = replace(shipped, blur=0.0) if shipped is not None else None
    net = model.net(mode)
    halo = exact_halo(net.radius, mode, pd, refine.halo if refine else 0)
    run = teacher(net, cpu, mode, pd, refine, fp32=True)
    kw = (halo + blur_radius(max(SIGMAS)), alignment(mode, pd), cfg.seed + _SEED,
          OUTPUT_PIXELS)
    refs = [np.asarray(r, np.float32) for r in task.clean]
    wins = [list(sampled_windows(model, [(q.array, q.view) for q in prepare_all(imgs, axes)],
                                 *kw)) for imgs in (list(task.noisy), refs)]
    seen = []
    for (x, g, _), (r, _, _) in zip(*wins, strict=True):
        x = np.asarray(x, np.float32)
        seen.append((x, run(x, g)[1], g, cor.counted(x), np.asarray(r, np.float32)))
    return run, teacher(net, cpu, mode, pd, shipped, fp32=True), kw, wins, seen


def _correlations(kernel: np.ndarray) -> np.ndarray:
    c = kernel.shape[0] // 2
    return np.array([(kernel[c, c + 1] + kernel[c + 1, c]) / 2,
                     (kernel[c, c + 2] + kernel[c + 2, c]) / 2])


def main() -> int:
    import torch

    import napari_sdap.infer.correlated as cor
    from napari_sdap.infer.gaussian import blur_radius, gaussian

    shipped = {k: getattr(cor, k) for k in ("_CALM", "MAX_FACTOR", "roughness")}
    readings = {"local": {}, "calm4": {"_CALM": 4.0},
                "ring": {"roughness": _ring(shipped["roughness"])}}
    for task, name, axes, model in correlated_models(
            __doc__.split("\n")[0], sets="fmd,camera,set12,bsd68", noises="corr2,corr",
            crop=256, only="WideField,toy_1,ball_1,wall_6,01/,test001/corr2,test003/corr"):
        cfg, curve = model.config, model.noise_curve
        outs = [model.denoise(x, axes, device="cpu") for x in task.noisy]
        base = np.mean([psnr(o, r) for o, r in zip(outs, task.clean, strict=True)])
        mixes = [np.mean([psnr((1 - a) * o + a * x.astype(np.float64), r)
                          for o, x, r in zip(outs, task.noisy, task.clean, strict=True)]) - base
                 for a in SHARES]
        model.noise_curve = curve.model_copy(update={"blur": 0.0})
        sharp = [model.denoise(x, axes, device="cpu") for x in task.noisy]
        model.noise_curve = curve

        def blurred(a, s, rgb=task.rgb):
            t = torch.from_numpy(np.moveaxis(a, -1, 0)[None] if rgb else a[None, None])
            out = gaussian(t.float(), s)[0].numpy()
            return np.moveaxis(out, 0, -1) if rgb else out[0]

        b0 = np.mean([psnr(o, r) for o, r in zip(sharp, task.clean, strict=True)])
        true = {s: np.mean([psnr(blurred(o, s), r) for o, r in zip(sharp, task.clean,
                                                                     strict=True)]) - b0
                for s in SIGMAS}
        print(f"{name}: stride {cfg.training.stride}, shipped blur {curve.blur:g} px, "
              f"{base:.2f} dB; true change per blur "
              + ", ".join(f"{s:g}: {true[s]:+.2f}" for s in SIGMAS)
              + "; mixing the noisy input back " + ", ".join(
                  f"{a:g}: {m:+.2f}" for a, m in zip(SHARES, mixes, strict=True)), flush=True)
        run, shipped_run, kw, wins, seen = estimate_windows(model, task, axes)
        cor.MAX_FACTOR = 1e3  # the readings themselves, uncapped; the choices keep the cap
        cor._FLAT, flat = 1.0, cor._FLAT
        truth = cor.noise_covariance([(x - r, f, g, ok) for x, f, g, ok, r in seen], curve)
        cor._FLAT, cor.MAX_FACTOR = flat, shipped["MAX_FACTOR"]
        t_scale = np.mean(list(truth.factor.values()))
        t_corr = _correlations(truth.kernel)
        got = cor.choose_output_blur(run, [(x, g, t) for x, g, t in wins[0]], curve,
                                     seed=cfg.seed, sigmas=SIGMAS, cov=truth)
        pick = got.sigma if got is not None else 0.0
        print(f"  truth: lag-1 / lag-2 correlation {t_corr[0]:.2f} / {t_corr[1]:.2f}; with it "
              f"the estimate chooses {pick:g} px ({true.get(pick, 0.0):+.2f} dB); estimated % "
              "per blur " + ", ".join(f"{s:g}: {100 * e:+.2f}"
                                      for s, e in (got.tried if got else ())), flush=True)
        for label, change in readings.items():
            for k, v in {**change, "MAX_FACTOR": 1e3}.items():
                setattr(cor, k, v)
            cov = cor.noise_covariance([(x, f, g, ok) for x, f, g, ok, _ in seen], curve)
            for k, v in shipped.items():
                setattr(cor, k, v)
            corr = _correlations(cov.kernel)
            scale = np.mean(list(cov.factor.values()))
            for k, v in change.items():
                setattr(cor, k, v)
            got = cor.choose_output_blur(run, [(x, g, t) for x, g, t in wins[0]], curve,
                                         seed=cfg.seed, sigmas=SIGMAS)
            for k, v in shipped.items():
                setattr(cor, k, v)
            pick = got.sigma if got is not None else 0.0
            capped = min(scale, cor.MAX_FACTOR) / t_scale
            print(f"  {label}: scale {scale / t_scale:.3f} of the truth ({capped:.3f} capped), "
                  f"lag-1 / lag-2 {corr[0]:.2f} / {corr[1]:.2f}; chooses {pick:g} px "
                  f"({true.get(pick, 0.0):+.2f} dB); estimated % per blur "
                  + ", ".join(f"{s:g}: {100 * e:+.2f}" for s, e in (got.tried if got else ())),
                  flush=True)
        cor.MAX_FACTOR, local = shipped["MAX_FACTOR"], cor.noise_covariance(
            [(x, f, g, ok) for x, f, g, ok, _ in seen], curve)
        a, gain, best = _give_back(shipped_run, zip(wins[0], [w[0] for w in wins[1]],
                                                     strict=True), curve, local,
                                   blur_radius(max(SIGMAS)))
        print(f"  giving the noisy input back (local reading): estimated share {a:+.3f} "
              f"(gain {gain:+.2f} % at it), best share {best:+.3f}", flush=True)
        scale, corr = _block_read(seen, curve)
        capped = min(scale, cor.MAX_FACTOR) / t_scale
        print(f"  block16: scale {scale / t_scale:.3f} of the truth ({capped:.3f} capped), "
              f"lag-1 / lag-2 {corr[0]:.2f} / {corr[1]:.2f}", flush=True)
        if len(task.noisy) > 1:  # frames of one field of view: their differences are noise
            _frames(task, model, axes, run, kw, curve, t_scale, true, cfg.seed)
    return 0


def _frames(task, model, axes, run, kw, curve, t_scale, true, seed) -> None:
    """The covariance read from the differences of the first frame and each other one as
    `frames=True` reads it (`api.frames.frame_covariance`: every counted pixel, no selection,
    no `MAX_FACTOR` cap), against the truth, and the blur chosen with it."""
    import napari_sdap.infer.correlated as cor
    from napari_sdap.api.frames import frame_covariance
    from napari_sdap.api.inputs import prepare_all
    from napari_sdap.api.target_blur import sampled_windows

    def windows(image):  # one frame alone: the same tiles for every frame
        return [(np.asarray(x, np.float32), g, t) for x, g, t in sampled_windows(
            model, [(q.array, q.view) for q in prepare_all([image], axes)], *kw)]

    first = windows(task.noisy[0])
    outs = [run(x, g)[1] for x, g, _ in first]
    for j, other in enumerate(task.noisy[1:], start=2):
        cov = frame_covariance([(x, f, g, y) for (x, g, _), (y, _, _), f
                                in zip(first, windows(other), outs, strict=True)], curve)
        if cov is None:  # too few pixels, or the frames differ by more than noise
            continue
        got = cor.choose_output_blur(run, first, curve, seed=seed, sigmas=SIGMAS, cov=cov)
        pick = got.sigma if got is not None else 0.0
        corr = _correlations(cov.kernel)
        print(f"  frames 1 and {j}: scale {np.mean(list(cov.factor.values())) / t_scale:.3f} "
              f"of the truth, lag-1 / lag-2 {corr[0]:.2f} / {corr[1]:.2f}; chooses {pick:g} px "
              f"({true.get(pick, 0.0):+.2f} dB)", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
