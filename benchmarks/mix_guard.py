"""The guard on the mix with the blurred input (`infer.mixing.guard`): what it costs or gains
against the same mix without it.

For each task of the quality harness (default: the strong-noise crops) this trains the default
(`fast`) and prints the PSNR of its output without a mix, as chosen (guard included), with the
mix re-chosen by the same estimate without a guard (the estimate's windows are replayed with
``guards=(0,)``), with the mix re-chosen counting every pixel (for clipped data, where the
default counts only the pixels whose masked output lies clear of the clip, `output_mix.CLEAR`),
and with the chosen share and blur at fixed guard limits (noise stds). Examples::

    python benchmarks/mix_guard.py --sets strong --crop 256 --threads 1
    python benchmarks/mix_guard.py --sets clip8 --crop 256 --threads 1
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from quality import psnr, tasks_from_command_line

LIMITS = (0.5, 1.0, 2.0, 3.0)


def kept_windows() -> tuple[Callable[..., Any], list[tuple[Any, ...]]]:
    """Make the mix estimate (`api.output_mix`) keep the windows it reads: (the estimate
    itself, to re-run on them, and the list that holds the last training's windows)."""
    import napari_sdap.api.output_mix as chooser

    real, windows = chooser.choose_mix, []

    def replayable(pairs, **kwargs):
        windows[:] = list(pairs)
        return real(windows, **kwargs)

    chooser.choose_mix = replayable
    return real, windows


def main() -> int:
    tasks = tasks_from_command_line(__doc__, sets="strong", crop=256)
    if tasks is None:
        return 0
    import napari_sdap

    real, windows = kept_windows()
    print("| task | share, blur, guard | no mix | default (guarded) | unguarded, re-chosen | "
          "every pixel counted, re-chosen (share, blur) | "
          + " | ".join(f"limit {v:g}" for v in LIMITS) + " | s |")
    print("|---|---|---:|---:|---:|---:|" + "---:|" * len(LIMITS) + "---:|")
    for task in tasks:
        axes = "YXC" if task.rgb else "YX"
        t0 = time.perf_counter()
        windows.clear()
        model = napari_sdap.train(task.noisy, axes, preset="fast", device="cpu")
        curve = model.noise_curve

        def score(update, model=model, task=task, axes=axes, curve=curve):
            model.noise_curve = curve.model_copy(update=update)
            outs = [model.denoise(x, axes, device="cpu") for x in task.noisy]
            model.noise_curve = curve
            return float(np.mean([psnr(o, r) for o, r in zip(outs, task.clean, strict=True)]))

        plain = real(windows, guards=(0.0,)) if windows else None
        cells = [score({"mix": 0.0}), score({})]
        cells.append(score({"mix": plain.share, "mix_blur": plain.sigma, "mix_guard": 0.0})
                     if plain is not None else np.nan)
        every = real([w[:4] for w in windows]) if windows else None
        if every is not None:
            update = {"mix": every.share, "mix_blur": every.sigma, "mix_guard": every.guard}
            cells.append(f"{score(update):.2f} ({every.share:.2f}, {every.sigma:g})")
        else:
            cells.append("-")
        cells += [score({"mix_guard": v}) if curve.mix else np.nan for v in LIMITS]
        print(f"| {task.set} {task.name} | {curve.mix:.2f}, {curve.mix_blur:g}, "
              f"{curve.mix_guard:.2f} | " + " | ".join(c if isinstance(c, str) else f"{c:.2f}"
                                                        for c in cells)
              + f" | {time.perf_counter() - t0:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
