"""What opening a many-page TIFF costs (`open_image`: the checks of its pages and the map).

Writes one time-lapse per page count (`--pages`, each page `--size`² uint16) as an ImageJ
hyperstack and as a plain tifffile stack into a temporary folder (`--dir`), then opens each
with `napari_sdap.open_image` and closes it: the first open of a file in the process (best of
`--repeats` copies of it) and the open of the same file again (best of `--repeats`). Imports
are done before the clock starts. Prints one JSON line. Example::

    python benchmarks/tiff_open.py --pages 1000,5000,20000
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", default="1000,5000,20000")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()

    import dask.array  # noqa: F401  (imports outside the clock)
    import tifffile
    import zarr  # noqa: F401

    from napari_sdap import open_image

    result: dict[str, float] = {}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for n in (int(p) for p in args.pages.split(",")):
            stack = np.zeros((n, args.size, args.size), np.uint16)
            files = {"imagej": Path(tmp, f"ij{n}.tif"), "tifffile": Path(tmp, f"tf{n}.tif")}
            tifffile.imwrite(files["imagej"], stack, imagej=True, metadata={"axes": "TYX"})
            tifffile.imwrite(files["tifffile"], stack)
            for kind, path in files.items():
                first = again = float("inf")
                for r in range(args.repeats):
                    copy = shutil.copy(path, path.with_name(f"{path.stem}_{r}.tif"))
                    t = time.perf_counter()
                    open_image(copy).close()
                    first = min(first, time.perf_counter() - t)
                for _ in range(args.repeats):
                    t = time.perf_counter()
                    open_image(copy).close()
                    again = min(again, time.perf_counter() - t)
                result[f"{kind} {n} pages s"] = round(first, 3)
                result[f"{kind} {n} pages again s"] = round(again, 4)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
