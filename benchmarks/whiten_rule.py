"""Which benchmark tasks the whitening rule takes (`infer.whiten.choose_whitening`), and which
the texture reading turns white (`training.noise.texture_read`), without training: the noise
estimate of each task's noisy images and both verdicts.

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
    for task in tasks:
        axes = "YXC" if task.rgb else "YX"
        prepared = [prepare(a, axes) for a in task.noisy]
        noise = estimate_noise([(q.array, q.view) for q in prepared], seed=0)
        white = (None if noise.flat_white else
                 choose_whitening(noise.correlation_x, noise.correlation_y))
        counts[(task.set, white is not None)] += 1
        texture[task.set] += noise.texture
        fx = ", ".join(f"{v:.2f}" for v in noise.correlation_x)
        fy = ", ".join(f"{v:.2f}" for v in noise.correlation_y)
        verdict = f"whitened along {white.axis}, {white.coef:.3f}" if white else "not whitened"
        flat = ("" if noise.flattest is None else
                "; flattest sixteenth " + ", ".join(f"{v:.2f}" for v in noise.flattest))
        print(f"{task.set} {task.name}: X {fx}; Y {fy}{flat} -> stride {noise.stride}"
              f"{' (texture read: white)' if noise.texture else ''}, {verdict}", flush=True)
    for s in dict.fromkeys(t.set for t in tasks):
        n = counts[(s, True)] + counts[(s, False)]
        print(f"{s}: {counts[(s, True)]} of {n} whitened, {texture[s]} of {n} white from the "
              f"texture reading")
    return 0


if __name__ == "__main__":
    sys.exit(main())
