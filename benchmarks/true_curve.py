"""How much of the default's gap on synthetic correlated noise is the noise reading: the default
output against the same model with its noise curve replaced by the true noise level.

For each grey task with box-filtered Gaussian noise (`quality.BOX`: the std is known) this trains
the default (`fast`; with ``--models DIR`` the trained models are kept there and reused) and
prints the noise std the model's curve reads per intensity bin (image units), and the PSNR of the
default output as shipped, then with the curve set to the true std in every bin, at the gate's
own threshold and at 1.0 (strength 1, the output blur as chosen).

    python benchmarks/true_curve.py --sets set12,bsd68 --noises corr2_15 --crop 256 --models MODELS
"""

from __future__ import annotations

from frames_blur import mean_psnr
from quality import BOX


def main() -> int:
    from blur_reading import correlated_models

    rows = []
    for task, name, axes, model in correlated_models(__doc__.split("\n")[0]):
        noise = task.meta.get("noise")
        if axes != "YX" or noise not in BOX:
            print(f"{name}: not grey with box noise, skipped", flush=True)
            continue
        held = model.noise_curve
        scale = model.normalization.scale(0)[1]
        read = [v ** 0.5 * scale for v in held.variance[0][0]]
        true = (BOX[noise][1] / scale) ** 2
        flat = [[[true] * len(per) for per in group] for group in held.variance]
        row = [name, f"{min(read):.1f}-{max(read):.1f}", f"{mean_psnr(model, task, axes):.2f}"]
        for threshold in (held.threshold, 1.0):
            model.noise_curve = held.model_copy(
                update={"variance": flat, "threshold": threshold, "strength": 1.0})
            row.append(f"{mean_psnr(model, task, axes):.2f}")
        model.noise_curve = held
        rows.append(row)
        print(" | ".join(row), flush=True)
    head = "task | curve reads std | shipped | true curve, own threshold | true curve, 1.0"
    print(f"\n| {head} |\n|---|---" + "|---:" * 3 + "|")
    print("\n".join("| " + " | ".join(row) + " |" for row in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
