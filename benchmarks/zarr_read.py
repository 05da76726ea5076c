"""What reading a chunked zarr array costs, against decoding its chunks alone.

Writes a SIZE x SIZE uint16 array (256² chunks, zarr's default zstd) into a temporary folder
(`--dir`, e.g. /dev/shm for a RAM file system), reads it in overlapping windows as tiled
inference does (`--window` pixels, stepped by `--step`), best of three passes, with zarr's
default settings and with larger `codec_pipeline.batch_size` and `async.concurrency`, and
through TensorStore (`io.fast_zarr`, as `denoise` reads local zarr arrays); then times
numcodecs' zstd decoding of one chunk. Then writes float32 tiles (`--write-tiles` pixels) into an
output chunked as `denoise` chunks its outputs, one thread: through zarr-python, through
TensorStore with an fsync after each chunk (TensorStore's default) and as `denoise` writes
(`io.fast_zarr.CONTEXT`: no fsync). Prints one JSON line. Example::

    python benchmarks/zarr_read.py --size 4096 --dir /dev/shm
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np

SETTINGS = {"default": {}, "batch_size 8": {"codec_pipeline.batch_size": 8},
            "batch_size 64": {"codec_pipeline.batch_size": 64},
            "concurrency 64": {"async.concurrency": 64}}


def _windows(size: int, window: int, step: int) -> list[tuple[slice, slice]]:
    return [(slice(y, min(y + window, size)), slice(x, min(x + window, size)))
            for y in range(0, size, step) for x in range(0, size, step)]


def _writes(folder: str, size: int, tile: int) -> dict[str, float]:
    """MPix/s of writing `tile`² float32 results over a size² output, best of two passes (the
    time until the last write returns, as in `denoise`; the system writes back the rest)."""
    import tensorstore as ts
    import zarr

    from napari_sdap.api.writing import _chunks
    from napari_sdap.io.fast_zarr import CONTEXT

    data = np.random.default_rng(1).random((tile, tile), dtype=np.float32)
    spots = [(y, x) for y in range(0, size, tile) for x in range(0, size, tile)]
    chunks = _chunks((size, size), "YX", tile)
    ways = {"zarr-python": None, "tensorstore fsync": {**CONTEXT, "file_io_sync": True},
            "tensorstore": CONTEXT}
    out = {}
    for name, context in ways.items():
        best = 0.0
        for k in range(2):
            path = f"{folder}/out_{tile}_{len(out)}_{k}.zarr"
            a = zarr.create_array(path, shape=(size, size), dtype="f4", chunks=chunks)
            if context is not None:
                a = ts.open({"driver": "zarr3", "kvstore": {"driver": "file", "path": path}},
                            open=True, write=True, context=ts.Context(context)).result()
            os.sync()  # earlier passes' data is on the disk: no write-back throttles this one
            t0 = time.perf_counter()
            for y, x in spots:
                if context is None:
                    a[y:y + tile, x:x + tile] = data
                else:
                    a[y:y + tile, x:x + tile].write(data).result()
            best = max(best, size * size / 1e6 / (time.perf_counter() - t0))
        out[f"write {tile} in {chunks[0]} chunks, {name}"] = round(best, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    import numcodecs
    import zarr

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=4096)
    p.add_argument("--window", type=int, default=1400)
    p.add_argument("--step", type=int, default=1368)
    p.add_argument("--dir", default=None, help="folder for the array (default: the temp dir)")
    p.add_argument("--write-tiles", default="1024,4096")
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    result: dict = {"zarr": zarr.__version__, "size": args.size, "window": args.window}
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        src = zarr.create_array(f"{d}/in.zarr", shape=(args.size, args.size), dtype="u2",
                                chunks=(256, 256))
        for y in range(0, args.size, 1024):
            rows = min(1024, args.size - y)
            src[y:y + rows] = rng.integers(0, 4096, (rows, args.size), dtype=np.uint16)
        result["compressors"] = str(src.compressors)
        wins = _windows(args.size, args.window, args.step)
        pixels = sum((ys.stop - ys.start) * (xs.stop - xs.start) for ys, xs in wins)
        for name, settings in SETTINGS.items():
            best = 0.0
            with zarr.config.set(settings):
                for _ in range(3):
                    t0 = time.perf_counter()
                    for ys, xs in wins:
                        src[ys, xs]
                    best = max(best, pixels / 1e6 / (time.perf_counter() - t0))
            result[f"read {name}"] = round(best, 1)
        from napari_sdap.io.fast_zarr import StoreArray, fast_array

        fast = fast_array(src)
        if isinstance(fast, StoreArray):
            best = 0.0
            for _ in range(3):
                t0 = time.perf_counter()
                for ys, xs in wins:
                    fast[ys, xs]
                best = max(best, pixels / 1e6 / (time.perf_counter() - t0))
            result["read tensorstore"] = round(best, 1)
        for tile in (int(t) for t in args.write_tiles.split(",") if t):
            result.update(_writes(d, args.size, tile))
    codec = numcodecs.Zstd(level=0)
    chunk = codec.encode(rng.integers(0, 4096, (256, 256), dtype=np.uint16).tobytes())
    t0 = time.perf_counter()
    for _ in range(200):
        codec.decode(chunk)
    result["zstd decode alone"] = round(200 * 65536 / 1e6 / (time.perf_counter() - t0), 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
