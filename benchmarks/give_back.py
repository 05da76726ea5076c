"""Part of the noisy input given back to the default output of models trained for correlated
noise: what the reference says it would gain, and what Stein's estimate from the noisy data
says the best share is.

For each task this trains the default (`fast`; with ``--models DIR`` the trained models are
kept there and reused) and prints the PSNR of the noisy input, of the default output, and of
``(1 - a) out + a x`` with the best share ``a`` chosen with the reference (an oracle); and the
best share Stein's estimate finds with the shipped noise reading behind the output blur
(``1 - S / R``, `blur_reading._give_back`), with the share a cautious rule would give,
``2 (1 - S / R) - 1`` where positive: only where the estimate finds the output worse than
the input. Stride-1 models (white noise) are skipped.

    python benchmarks/give_back.py --sets bsd68 --noises corr15,corr2_15 --only test001 \\
        --crop 256 --models MODELS
"""

from __future__ import annotations

import numpy as np
from quality import psnr


def _best_share(outs, noisy, clean) -> float:
    """The share ``a`` of ``(1 - a) out + a x`` with the least error against the reference."""
    num = den = 0.0
    for f, x, s in zip(outs, noisy, clean, strict=True):
        f, x, s = (np.asarray(a, np.float64) for a in (f, x, s))
        num -= float(((f - s) * (x - f)).sum())
        den += float(((x - f) ** 2).sum())
    return num / den if den > 0 else 0.0


def main() -> int:
    from blur_reading import SIGMAS, _give_back, correlated_models, estimate_windows

    import napari_sdap.infer.correlated as cor
    from napari_sdap.infer.gaussian import blur_radius

    rows = []
    for task, name, axes, model in correlated_models(__doc__.split("\n")[0]):
        cfg, curve = model.config, model.noise_curve
        outs = [model.denoise(x, axes, device="cpu") for x in task.noisy]
        _, shipped_run, _, wins, seen = estimate_windows(model, task, axes)
        cov = cor.noise_covariance([(x, f, g, ok) for x, f, g, ok, _ in seen], curve)
        est = _give_back(shipped_run, zip(wins[0], [w[0] for w in wins[1]], strict=True), curve,
                         cov, blur_radius(max(SIGMAS)))[0]
        best = _best_share(outs, task.noisy, task.clean)
        a = float(np.clip(best, 0.0, 1.0))
        oracle = [(1 - a) * f.astype(np.float64) + a * x for f, x in zip(outs, task.noisy,
                                                                         strict=True)]
        score = {k: float(np.mean([psnr(o, r) for o, r in zip(v, task.clean, strict=True)]))
                 for k, v in (("noisy", task.noisy), ("default", outs), ("oracle", oracle))}
        rule = max(0.0, 2.0 * est - 1.0)
        rows.append((name, cfg.training.stride, curve.blur, est, rule, best, score))
        print(f"{name}: stride {cfg.training.stride}, blur {curve.blur:g} px; estimated best "
              f"share {est:+.3f} (cautious rule: {rule:.3f}); oracle best share {best:+.3f}; "
              f"PSNR noisy {score['noisy']:.2f}, default {score['default']:.2f}, oracle share "
              f"{score['oracle']:.2f} ({score['oracle'] - score['default']:+.2f})", flush=True)
    if not rows:
        return 0
    print("\n| task | stride | blur px | best share: estimated / oracle | cautious rule | "
          "noisy | default | oracle share |\n|---|---:|---:|---|---:|---:|---:|---:|")
    for name, stride, blur, est, rule, best, s in rows:
        print(f"| {name} | {stride} | {blur:g} | {est:+.2f} / {best:+.2f} | {rule:.2f} | "
              f"{s['noisy']:.2f} | {s['default']:.2f} | {s['oracle']:.2f} "
              f"({s['oracle'] - s['default']:+.2f}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
