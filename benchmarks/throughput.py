"""Inference throughput and memory of napari-sdap (results go to docs/benchmarks.md).

Measures, on one device:

1. network-only MPix/s of one forward pass per preset (the pass count per mode: bsn 1, sdap 1
   on s*s sub-images, sdap_e 2), of each mode on whole tiles (`run_mode`) and of the preset's
   distilled student (one full-resolution pass), bf16 on CUDA;
2. end-to-end zarr -> zarr MPix/s of `SDAPModel.denoise(..., output=...)` (read, tile, compute,
   write) and its ratio to the compute-only rate: the network over the same tile windows with
   the data already on the device (so the ratio isolates the streaming overhead; the halo
   overhead of tiling is in both);
3. peak RSS (ru_maxrss) of end-to-end runs on two input sizes 8x apart, each in a fresh
   subprocess.

Untrained networks are used (speed does not depend on the weights). Examples::

    nice python benchmarks/throughput.py --device cpu --presets fast,tiny --size 256
    python benchmarks/throughput.py --device cuda --json out.json
    python benchmarks/throughput.py --device cuda --presets '' --e2e-presets paper --mode student
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from napari_sdap import create_model
from napari_sdap.infer.passes import run_mode
from napari_sdap.model.device import resolve_device, use_bf16
from napari_sdap.model.normalize import Normalization


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def _timed(fn, dev: torch.device, min_s: float, min_reps: int = 2) -> float:
    fn()  # warm-up (cuDNN autotune, allocator)
    _sync(dev)
    reps, t0 = 0, time.perf_counter()
    while reps < min_reps or time.perf_counter() - t0 < min_s:
        fn()
        reps += 1
    _sync(dev)
    return (time.perf_counter() - t0) / reps


def _model(preset: str, dev: torch.device, tile: int | None = None):
    """An untrained model set up like a trained one: normalisation, a 16-level noise curve (so
    that the detail restore, on by default, runs and is timed) and the preset's student."""
    from napari_sdap.infer.noise_model import NoiseCurve
    from napari_sdap.model.student import StudentNet

    m = create_model(preset, tile=tile, device=str(dev))
    m.normalization = Normalization(low=[0.0], high=[4095.0])
    levels = [float(v) for v in np.linspace(0.0, 1.0, 16)]
    m.noise_curve = NoiseCurve(levels=[[levels]], variance=[[[1e-3] * 16]])
    s = m.config.student
    m.student = StudentNet(1, s.student_width, s.student_dilations)
    for net in (m.network, m.student):
        net.to(dev).eval()
        if dev.type == "cuda":
            net.to(memory_format=torch.channels_last)
    return m


def network_rates(preset: str, dev: torch.device, size: int, batch: int, min_s: float) -> dict:
    """MPix/s of one forward pass, and of each mode on `batch` windows of `size` pixels."""

    m = _model(preset, dev)
    bf16 = use_bf16(dev)
    x = torch.rand(batch, 1, size, size, device=dev)
    if dev.type == "cuda":
        x = x.contiguous(memory_format=torch.channels_last)
    mpix = batch * size * size / 1e6
    out = {"preset": preset, "size": size, "batch": batch, "bf16": bf16}
    with torch.no_grad():
        t = _timed(lambda: run_mode(m.network, x, "bsn", 1, bf16), dev, min_s)
        out["pass_mpix_s"] = mpix / t
        for mode in ("sdap", "sdap_e"):
            t = _timed(lambda mode=mode: run_mode(m.network, x, mode, 2, bf16), dev, min_s)
            out[f"{mode}_mpix_s"] = mpix / t
        refine, groups = m.refine(True), [0] * batch

        def refined() -> None:
            xr = refine.before(x, groups)
            refine.after(xr, run_mode(m.network, xr, "sdap_e", 2, bf16), groups)

        t = _timed(refined, dev, min_s)
        out["sdap_e_detail_mpix_s"] = mpix / t  # plus the outlier repair and detail restore
        t = _timed(lambda: run_mode(m.student, x, "student", 2, bf16), dev, min_s)
        out["student_mpix_s"] = mpix / t
    return out


def _job(m, size: int, mode: str):
    from napari_sdap.api.job import make_job

    return make_job(m, np.zeros((size, size), np.uint16), "YX", mode, detail=True)


def e2e_tile(preset: str, dev: torch.device, size: int, tile: int | None, mode: str) -> int:
    """The tile edge `denoise` picks for a size x size image (or `tile`), fixed once so the
    end-to-end and compute-only runs tile alike (free memory changes as the cache fills)."""
    from napari_sdap.api.job import pick_tile

    if tile:
        return tile
    m = _model(preset, dev)
    job = _job(m, size, mode)
    try:
        return pick_tile(m, job, None, dev)[0]
    finally:
        job.image.close()


def _plan(m, size: int, tile: int | None, mode: str, dev: torch.device):
    """`denoise`'s plan for a size x size image: (tiles, tiles per batch, the steps around the
    network), at tile edge `tile` (None: the automatic one)."""
    from napari_sdap.api.job import pick_tile
    from napari_sdap.infer.tiling import alignment, exact_halo, plan_tiles, tile_size

    job = _job(m, size, mode)
    job.image.close()
    edge, batch = pick_tile(m, job, tile, dev)
    pd = m.config.inference.pd_stride
    s = alignment(mode, pd)
    halo = exact_halo(m.net(mode).radius, mode, pd, job.halo)
    return plan_tiles(job.image.view, tile_size(edge, s), halo, s), batch, job.refine


def compute_only(preset: str, dev: torch.device, size: int, tile: int, mode: str) -> float:
    """MPix/s of the network and the steps around it (for the teacher's modes the outlier
    repair and detail restore; for the student the repair) over the very tile windows `denoise`
    uses, data already on the device and no reading or writing: the ceiling for the streamed
    end-to-end rate."""
    from napari_sdap.infer.tiling import batches

    m = _model(preset, dev, tile)
    tiles, batch, refine = _plan(m, size, tile, mode, dev)
    net, pd = m.net(mode), m.config.inference.pd_stride
    groups = list(batches(tiles, batch))
    bf16 = use_bf16(dev)
    inputs = {}
    for g in groups:
        key = (len(g), *g[0].window_shape)
        if key not in inputs:
            inputs[key] = torch.rand(len(g), 1, *g[0].window_shape, device=dev)

    def run() -> None:
        with torch.no_grad():
            for g in groups:
                x = inputs[(len(g), *g[0].window_shape)]
                gs = [0] * len(g)
                xr = refine.before(x, gs)
                refine.after(xr, run_mode(net, xr, mode, pd, bf16), gs)

    return size * size / 1e6 / _timed(run, dev, 0.0, 1)


def end_to_end(preset: str, dev: torch.device, size: int, tile: int | None, mode: str,
               compile: bool = False, read_workers: int | None = None,
               write_workers: int | None = None, zarr_io: str = "tensorstore") -> dict:
    """zarr (uint16, 256^2 chunks) -> zarr float32 through `SDAPModel.denoise`, twice on CUDA:
    the first run (`cold`) pays what is left of the one-off set-up: compilation, and cuDNN
    autotuning of shapes that no earlier pass in this process (e.g. `compute_only`) tuned.
    Also the rates of the reading and of the writing alone (`read_mpix_s`, `write_mpix_s`,
    `io_only`). `zarr_io`: "zarr" reads and writes through zarr-python only (`io.fast_zarr`)."""
    import zarr

    from napari_sdap.io.fast_zarr import ENV, fast_array

    if zarr_io == "zarr":
        os.environ[ENV] = "zarr"
    else:
        os.environ.pop(ENV, None)
    m = _model(preset, dev, tile)
    m.config.tiling.compile = compile
    if read_workers is not None:
        m.config.tiling.read_workers = read_workers
    if write_workers is not None:
        m.config.tiling.write_workers = write_workers
    with tempfile.TemporaryDirectory() as d:
        src = zarr.create_array(f"{d}/in.zarr", shape=(size, size), dtype="u2",
                                chunks=(256, 256))
        rng = np.random.default_rng(0)
        for y in range(0, size, 1024):
            src[y:y + 1024] = rng.integers(0, 4096, (min(1024, size - y), size), dtype=np.uint16)
        m.denoise(src[:256, :256], "YX", mode=mode, device=str(dev))  # CUDA context, allocator
        fast_array(src)  # imports TensorStore (about 0.6 s, once per process) before the timing
        times = []
        for run in range(2 if dev.type == "cuda" else 1):
            _sync(dev)
            t0 = time.perf_counter()
            m.denoise(src, "YX", mode=mode, device=str(dev), tile=tile,
                      output=f"{d}/out{run}.zarr")
            _sync(dev)
            times.append(time.perf_counter() - t0)
        io = io_only(m, src, zarr.open_array(f"{d}/out0.zarr"), tile, mode, dev)
    mpix = size * size / 1e6
    return {"preset": preset, "size": size, "mode": mode, "tile": tile, "compile": compile,
            "zarr_io": zarr_io, "read_workers": m.config.tiling.read_workers,
            "write_workers": m.config.tiling.write_workers, "mpix_s": mpix / times[-1],
            "seconds": times[-1], "cold_mpix_s": mpix / times[0], **io}


def io_only(m, src, out, tile: int, mode: str, dev: torch.device) -> dict:
    """MPix/s of the reader threads' work on every window (reading it in its stored dtype and
    stacking it; the device normalises), and of writing every tile's result, in `denoise`'s
    tiling of `src` (one thread each, no network)."""
    from napari_sdap.axes import plane_view
    from napari_sdap.infer.raw_tiles import raw_batch, read_raw
    from napari_sdap.io.fast_zarr import fast_array

    src, out = fast_array(src), fast_array(out, write=True)
    view = plane_view(src.shape, "YX")
    tiles = _plan(m, src.shape[0], tile, mode, dev)[0]
    t0 = time.perf_counter()
    for t in tiles:  # one window in memory at a time, as in `denoise`
        raw_batch([read_raw(src, view, t)], [0], pin=False)
    t1 = time.perf_counter()
    result = np.random.default_rng(1).random(tiles[0].window_shape, dtype=np.float32)
    for t in tiles:
        iy, ix = t.inner
        view.write(out, t.plane, result[None, iy, ix], t.ys, t.xs)
    t2 = time.perf_counter()
    mpix = src.shape[0] * src.shape[1] / 1e6
    return {"read_mpix_s": mpix / (t1 - t0), "write_mpix_s": mpix / (t2 - t1)}


def rss_child(preset: str, device: str, size: int, tile: int | None, mode: str,
              write_workers: int | None = None) -> None:
    dev = resolve_device(device)
    r = end_to_end(preset, dev, size, e2e_tile(preset, dev, size, tile, mode), mode,
                   write_workers=write_workers)
    r["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(r))


def rss_pair(preset: str, device: str, size: int, tile: int | None, mode: str,
             threads: int | None, write_workers: int | None = None) -> dict:
    """Peak RSS of end-to-end runs at `size` and at 8x the pixels, each in a new process."""
    res = []
    for s in (size, round(size * 8**0.5 / 16) * 16):
        cmd = [sys.executable, __file__, "--rss-child", str(s), "--presets", preset,
               "--device", device, "--mode", mode] + (["--tile", str(tile)] if tile else [])
        cmd += ["--threads", str(threads)] if threads else []
        cmd += ["--write-workers", str(write_workers)] if write_workers else []
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        res.append(json.loads(done.stdout.strip().splitlines()[-1]))
    growth = res[1]["max_rss_mb"] / res[0]["max_rss_mb"] - 1
    return {"runs": res, "rss_growth": growth}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="auto")
    p.add_argument("--presets", default="paper,fast,tiny",
                   help="presets for network-only rates ('' for none)")
    p.add_argument("--size", type=int, default=None, help="window edge for network-only runs")
    p.add_argument("--batch", type=int, default=None)
    p.add_argument("--e2e-size", type=int, default=None, help="image edge for end-to-end")
    p.add_argument("--e2e-presets", default=None, help="presets for end-to-end (default: all)")
    p.add_argument("--rss-size", type=int, default=None,
                   help="smaller image edge for RSS (0 skips the RSS pair)")
    p.add_argument("--e2e-compile", action="store_true",
                   help="also run end-to-end with torch.compile (tiling.compile)")
    p.add_argument("--tile", type=int, default=None)
    p.add_argument("--e2e-tiles", default="0",
                   help="tile edges for end-to-end, comma-separated (0: the automatic one)")
    p.add_argument("--read-workers", default="",
                   help="tiling.read_workers values for end-to-end, comma-separated "
                        "(default: the config's)")
    p.add_argument("--write-workers", default="",
                   help="tiling.write_workers values for end-to-end, comma-separated")
    p.add_argument("--zarr-io", default="tensorstore",
                   help="end-to-end zarr reading and writing, comma-separated: tensorstore "
                        "(through TensorStore where installed, the default) and/or zarr")
    p.add_argument("--mode", default="sdap_e")
    p.add_argument("--min-seconds", type=float, default=2.0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--json", default=None)
    p.add_argument("--rss-child", type=int, default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    presets = a.presets.split(",")
    if a.threads:
        torch.set_num_threads(a.threads)
    reads = [int(w) for w in a.read_workers.split(",") if w] or [None]
    writes = [int(w) for w in a.write_workers.split(",") if w] or [None]
    if a.rss_child:
        rss_child(presets[0], a.device, a.rss_child, a.tile, a.mode, writes[0])
        return {}
    dev = resolve_device(a.device)
    gpu = dev.type == "cuda"
    torch.backends.cudnn.benchmark = True
    size = a.size or (1024 if gpu else 256)
    batch = a.batch or (4 if gpu else 1)
    e2e = a.e2e_size or (8192 if gpu else 1024)
    rss = a.rss_size if a.rss_size is not None else (4096 if gpu else 512)
    result: dict = {"device": str(dev), "machine": _machine(dev), "torch": torch.__version__,
                    "network": [], "end_to_end": [], "rss": []}
    for preset in filter(None, presets):
        r = network_rates(preset, dev, size, batch, a.min_seconds)
        result["network"].append(r)
        print(json.dumps(r), flush=True)
    for preset in (a.e2e_presets or a.presets).split(","):
        for edge in (int(t) for t in a.e2e_tiles.split(",")):
            tile = e2e_tile(preset, dev, e2e, edge or a.tile, a.mode)
            ceiling = compute_only(preset, dev, e2e, tile, a.mode)
            for compile, rw, ww, io in itertools.product(
                    (False, True) if a.e2e_compile else (False,), reads, writes,
                    a.zarr_io.split(",")):
                r = end_to_end(preset, dev, e2e, tile, a.mode, compile, rw, ww, io)
                r["compute_only_mpix_s"] = ceiling
                r["fraction_of_compute"] = r["mpix_s"] / ceiling
                result["end_to_end"].append(r)
                print(json.dumps(r), flush=True)
    rp = (a.e2e_presets or a.presets).split(",")[-1]
    if rss:
        r = rss_pair(rp, str(dev), rss, a.tile, a.mode, a.threads, writes[0])
        result["rss"].append({"preset": rp, **r})
        print(json.dumps(result["rss"][-1]), flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2))
    return result


def _machine(dev: torch.device) -> str:
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    import os

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"{torch.get_num_threads()} torch threads, load average {load:.1f}")


if __name__ == "__main__":
    main()
