"""The default output of RGB models trained for correlated noise with the blur of the colour
alone forced to each width (`NoiseCurve.colour_blur`), against the one chosen: what the
colour estimate (`infer.colour`) would have gained or cost, on the same trained network.

For each RGB task this trains the default (`fast`; with ``--models DIR`` the trained models are
kept there and reused) and prints the output blur and colour blur the model holds, then the
mean PSNR with the colour blur set to each of `WIDTHS` px (0: none).

    python benchmarks/colour_forced.py --sets composite --crop 0 --models MODELS
"""

from __future__ import annotations

from frames_blur import mean_psnr

WIDTHS = (0.0, 0.7, 1.0, 1.5, 2.0, 3.0)


def main() -> int:
    from blur_reading import correlated_models

    for task, name, axes, model in correlated_models(__doc__.split("\n")[0], sets="camera"):
        if not task.rgb:
            print(f"{name}: not RGB, skipped", flush=True)
            continue
        held = model.noise_curve
        scores = []
        for width in WIDTHS:
            model.noise_curve = held.model_copy(update={"colour_blur": width})
            scores.append(f"{width:g}: {mean_psnr(model, task, axes):.2f}")
        print(f"{name} | blur {held.blur:g} | colour blur {held.colour_blur:g} | "
              + " · ".join(scores), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
