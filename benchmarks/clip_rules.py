"""Which pixels the estimate of the mix with blurred input counts on clipped data: the rules
compared on the same models (`api.output_mix`, `CLEAR`).

For each task (default: the clipped 8-bit proxies) this trains the default (`fast`), keeps the
windows its mix estimate read, and re-chooses the mix counting: every pixel; the pixels with no
clipped value among their neighbours within 1 or 2 pixels; the pixels whose masked output lies
more than 1 or 2 noise stds above the clip (the default: 1). It prints the PSNR of the output
without a mix and with each choice (share, blur, pixels counted, estimated gain and its standard
error in % of the masked output's squared distance to the input). Example::

    python benchmarks/clip_rules.py --sets clip8 --crop 256 --threads 1
"""

from __future__ import annotations

import time

import numpy as np
from mix_guard import kept_windows
from quality import psnr, tasks_from_command_line


def _ring_min(a: np.ndarray, r: int) -> np.ndarray:
    """The lowest value of each pixel's neighbours within `r` pixels (itself left out)."""
    h, w = a.shape
    pad = np.pad(a, r, mode="edge")
    parts = [pad[r + dy : r + dy + h, r + dx : r + dx + w]
             for dy in range(-r, r + 1) for dx in range(-r, r + 1) if dy or dx]
    return np.min(parts, axis=0)


def main() -> int:
    tasks = tasks_from_command_line(__doc__, sets="clip8", crop=256)
    if tasks is None:
        return 0
    import napari_sdap

    real, windows = kept_windows()
    rules = {
        "every": lambda x, mu, s, end: np.ones(x.shape, bool),
        "near 2": lambda x, mu, s, end: (_ring_min(x[0], 2) != end)[None],
        "near 1": lambda x, mu, s, end: (_ring_min(x[0], 1) != end)[None],
        "1 std": lambda x, mu, s, end: mu - end > 1.0 * s,
        "2 std": lambda x, mu, s, end: mu - end > 2.0 * s,
    }
    print("| task | no mix | " + " | ".join(rules) + " | s |")
    print("|---|---:|" + "---|" * len(rules) + "---:|")
    for task in tasks:
        t0 = time.perf_counter()
        windows.clear()
        model = napari_sdap.train(task.noisy, "YX", preset="fast", device="cpu")
        curve = model.noise_curve

        def score(update, model=model, task=task, curve=curve):
            model.noise_curve = curve.model_copy(update=update)
            outs = [model.denoise(x, "YX", device="cpu") for x in task.noisy]
            model.noise_curve = curve
            return float(np.mean([psnr(o, r) for o, r in zip(outs, task.clean, strict=True)]))

        end = min(float(x[0][cut].min()) for x, _mu, _s, cut, *_ in windows)  # the low clip
        cells = [f"{score({'mix': 0.0}):.2f}"]
        for rule in rules.values():
            m = real([(x, mu, s, cut, rule(x, mu, s, end)) for x, mu, s, cut, *_ in windows])
            cells.append("none" if m is None or m.share == 0 else
                         f"{score({'mix': m.share, 'mix_blur': m.sigma, 'mix_guard': m.guard}):.2f}"
                         f" ({m.share:.2f}, {m.sigma:g} px, {m.pixels} px, "
                         f"{100 * m.gain:.2f} ± {100 * m.stderr:.2f} %)")
        print(f"| {task.name} | " + " | ".join(cells)
              + f" | {time.perf_counter() - t0:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
