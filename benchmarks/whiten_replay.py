"""The whitening rule (`infer.whiten.choose_whitening`) replayed on every noise reading that
`whiten_rule.py` logged under `benchmarks/results/` (lines ``NAME: X r1, r2, ...; Y r1, r2,
...``), with one of its bounds changed: which readings it would whiten then and not now, and the
lowest ratios across / along of the readings that pass every other check. No data, no training.

    python benchmarks/whiten_replay.py --ratio 0.65       # or --ar1 0.15

The logs print two decimals, so a reading within 0.01 of a bound may replay either way.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

from napari_sdap.infer import whiten

_LINE = re.compile(r"^(.*?): X ([-\d., ]+); Y ([-\d., ]+?)(?:;|\s->)")


def readings(root: Path) -> dict[tuple[str, str], tuple[list[float], list[float]]]:
    out = {}
    for path in sorted(root.rglob("*.log*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as f:
            for line in f:
                m = _LINE.match(line)
                if m:
                    out[(str(path.relative_to(root)), m.group(1))] = (
                        [float(v) for v in m.group(2).split(",")],
                        [float(v) for v in m.group(3).split(",")])
    return out


def whitened(cx: list[float], cy: list[float], **bounds: float) -> bool:
    old = {k: getattr(whiten, k) for k in bounds}
    try:
        for k, v in bounds.items():
            setattr(whiten, k, v)
        return whiten.choose_whitening(cx, cy) is not None
    finally:
        for k, v in old.items():
            setattr(whiten, k, v)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ratio", type=float, default=whiten.RATIO)
    p.add_argument("--ar1", type=float, default=whiten.AR1)
    p.add_argument("--results", type=Path, default=Path(__file__).parent / "results")
    args = p.parse_args()
    seen = readings(args.results)
    new = {k for k, (cx, cy) in seen.items() if whitened(cx, cy, RATIO=args.ratio, AR1=args.ar1)}
    now = {k for k, (cx, cy) in seen.items() if whitened(cx, cy)}
    print(f"{len(seen)} readings; whitened now {len(now)}, with RATIO {args.ratio:g} and AR1 "
          f"{args.ar1:g} {len(new)}")
    for k in sorted(new - now):
        print(f"  whitened only then: {k[1]} ({k[0]})")
    for k in sorted(now - new):
        print(f"  whitened only now: {k[1]} ({k[0]})")
    ratios = []
    for (log, name), (cx, cy) in seen.items():
        for along, across in ((cx, cy), (cy, cx)):
            if (whiten.MIN_CORRELATION <= along[0] <= whiten.MAX_COEF
                    and abs(along[1] - along[0] ** 2) <= args.ar1
                    and abs(across[1]) <= whiten.ACROSS):
                ratios.append((abs(across[0]) / along[0], name, log))
    print("lowest ratios across / along among readings that pass every other check:")
    for r, name, log in sorted(set(ratios))[:20]:
        print(f"  {r:.3f} {name} ({log})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
