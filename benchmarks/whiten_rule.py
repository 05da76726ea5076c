"""Which benchmark tasks the whitening rule takes (`infer.whiten.choose_whitening`), which
the texture reading turns white (`training.noise.texture_read`), and which get the white cap of
the noise curve (stride 1 and near-Gaussian noise, `infer.texture.gaussian_like`), without
training: the noise estimate of each task's noisy images and the verdicts.

    python benchmarks/whiten_rule.py --sets fmd,polyu,set12,bsd68,linescan,scmos,clip8

Prints one line per task and a count per set; exits 0 with a message when the data folder is
absent.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from quality import DEFAULT_DATA, NOISES, load_tasks

from napari_sdap.api.inputs import prepare
from napari_sdap.infer.texture import HP_SKEW
from napari_sdap.infer.whiten import choose_whitening
from napari_sdap.training.noise import estimate_noise


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--sets", default="fmd,polyu,set12,bsd68")
    p.add_argument("--noises", default=",".join(NOISES))
    p.add_argument("--crop", type=int, default=None)
    args = p.parse_args(argv)
    if not args.data.is_dir():
        print(f"no benchmark data at {args.data}; nothing to check")
        return 0
    tasks = load_tasks(args.data, args.sets.split(","), args.noises.split(","), None,
                       args.crop, None)
    counts: Counter[tuple[str, bool]] = Counter()
    texture: Counter[str] = Counter()
    capped: Counter[str] = Counter()
    for task in tasks:
        axes = "YXC" if task.rgb else "YX"
        prepared = [prepare(a, axes) for a in task.noisy]
        noise = estimate_noise([(q.array, q.view) for q in prepared], seed=0)
        white = (None if noise.flat_white else
                 choose_whitening(noise.correlation_x, noise.correlation_y, noise.sixteenth))
        counts[(task.set, white is not None)] += 1
        texture[task.set] += noise.texture
        cap = ((noise.stride == 1 or white is not None) and noise.skew is not None
               and abs(noise.skew) <= HP_SKEW)
        capped[task.set] += cap
        fx = ", ".join(f"{v:.2f}" for v in noise.correlation_x)
        fy = ", ".join(f"{v:.2f}" for v in noise.correlation_y)
        verdict = f"whitened along {white.axis}, {white.coef:.3f}" if white else "not whitened"
        flat = ("" if noise.flattest is None else
                "; flattest sixteenth " + ", ".join(f"{v:.2f}" for v in noise.flattest))
        skew = "" if noise.skew is None else f"; skewness {noise.skew:+.2f}"
        print(f"{task.set} {task.name}: X {fx}; Y {fy}{flat}{skew} -> stride {noise.stride}"
              f"{' (texture read: white)' if noise.texture else ''}, {verdict}"
              f"{', white cap' if cap else ''}", flush=True)
    for s in dict.fromkeys(t.set for t in tasks):
        n = counts[(s, True)] + counts[(s, False)]
        print(f"{s}: {counts[(s, True)]} of {n} whitened, {texture[s]} of {n} white from the "
              f"texture reading, {capped[s]} of {n} with the white cap")
    return 0


if __name__ == "__main__":
    sys.exit(main())
