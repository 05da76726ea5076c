"""The blur of the colour alone that RGB models trained for correlated noise choose
(`infer.colour`): the default output with and without it, on the same trained network.

For each RGB task this trains the default (`fast`; with ``--models DIR`` the trained models are
kept there and reused), measures the noise curve and chooses the output blur and colour blur
again as a training does when it ends (`api.noise_curve`, `api.output_blur`), and prints the
blur and colour blur chosen, the PSNR of the default output without and with the colour blur,
the estimated gain (units of the RGB noise variance) and its standard error, and the seconds
the choice of both blurs took.

    python benchmarks/colour_blur.py --sets camera --crop 256 --models MODELS
"""

from __future__ import annotations

import time

from frames_blur import mean_psnr


def main() -> int:
    import torch
    from blur_reading import correlated_models

    from napari_sdap.api.inputs import prepare_all
    from napari_sdap.api.noise_curve import measure_noise_curve
    from napari_sdap.api.output_blur import output_blur

    cpu = torch.device("cpu")
    rows = []
    for task, name, axes, model in correlated_models(__doc__.split("\n")[0], sets="camera",
                                                      crop=256):
        if not task.rgb:
            print(f"{name}: not RGB, skipped", flush=True)
            continue
        sources = [(q.array, q.view) for q in prepare_all(list(task.noisy), axes)]
        model.noise_curve = measure_noise_curve(model, sources, cpu)[0]
        t0 = time.perf_counter()
        output_blur(model, sources, cpu)
        seconds = time.perf_counter() - t0
        chosen = model.noise_curve
        with_it = mean_psnr(model, task, axes)
        model.noise_curve = chosen.model_copy(update={"colour_blur": 0.0})
        without = mean_psnr(model, task, axes)
        est = model.record.output_blur or {}
        row = [name, f"{chosen.blur:g}", f"{chosen.colour_blur:g}", f"{without:.2f}",
               f"{with_it:.2f}", f"{est.get('colour_gain', float('nan')):+.4f}",
               f"{est.get('colour_gain_se', float('nan')):.4f}", f"{seconds:.1f}"]
        rows.append(row)
        print(" | ".join(row), flush=True)
    head = ("task | blur px | colour blur px | PSNR without | with | estimated gain | "
            "standard error | s")
    print(f"\n| {head} |\n|---" + "|---:" * 7 + "|")
    print("\n".join("| " + " | ".join(row) + " |" for row in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
