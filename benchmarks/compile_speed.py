"""Network-only speed of one forward pass under several execution variants (results go to
docs/benchmarks.md, section "GPU").

Variants (each measured on the same untrained network, input and device):

- ``eager``: what `denoise` runs by default: bf16 autocast (CUDA), channels-last, cuDNN autotune;
- ``eager-nobench``: the same without cuDNN autotuning (cuDNN's heuristic algorithm choice);
- ``eager-bf16w``: the weights cast to bf16 once instead of autocast casting them every call;
- ``compile``: ``torch.compile(net)`` (the `tiling.compile` setting);
- ``compile-freeze``: ``torch.compile`` with inductor freezing (weights folded as constants);
- ``compile-autotune``: ``torch.compile`` in ``max-autotune-no-cudagraphs`` mode (Triton
  convolution templates compete with cuDNN);
- ``compile-mm``: ``torch.compile`` in ``max-autotune-no-cudagraphs`` mode with 1x1 convolutions
  lowered to matrix products, so Triton GEMM templates can fuse bias, ReLU and the residual add.

Prints one JSON line per variant (compile seconds included) and writes them all to ``--json``::

    python benchmarks/compile_speed.py --device cuda --preset paper --size 1024 --batch 4
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from napari_sdap.model.device import resolve_device, use_bf16
from napari_sdap.model.network import BlindSpotNet
from napari_sdap.presets import config_from_preset

sys.path.insert(0, str(Path(__file__).parent))
from throughput import _sync

VARIANTS = ("eager", "eager-nobench", "eager-bf16w", "compile", "compile-freeze",
            "compile-autotune", "compile-mm")


def build(variant: str, preset: str, dev: torch.device):
    """(callable x -> y, input dtype) for `variant`."""
    n = config_from_preset(preset).network
    net = BlindSpotNet(n.in_channels, n.out_channels, n.width, n.blocks).to(dev).eval()
    cuda = dev.type == "cuda"
    if cuda:
        net = net.to(memory_format=torch.channels_last)
    bf16 = use_bf16(dev)
    if variant == "eager-bf16w" and bf16:
        net = net.to(torch.bfloat16)
        return net, torch.bfloat16
    if variant.startswith("compile"):
        import torch._inductor.config as inductor

        inductor.freezing = variant == "compile-freeze"
        inductor.conv_1x1_as_mm = variant == "compile-mm"
        mode = "max-autotune-no-cudagraphs" if variant in ("compile-mm", "compile-autotune") \
            else None
        net = torch.compile(net, mode=mode, dynamic=False)

    def run(x: torch.Tensor) -> torch.Tensor:
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            return net(x)

    return run, torch.float32


def measure(variant: str, preset: str, dev: torch.device, size: int, batch: int,
            min_s: float) -> dict:
    fn, dtype = build(variant, preset, dev)
    x = torch.rand(batch, 1, size, size, device=dev, dtype=dtype)
    if dev.type == "cuda":
        x = x.contiguous(memory_format=torch.channels_last)
    torch.backends.cudnn.benchmark = variant != "eager-nobench"
    with torch.no_grad():
        t0 = time.perf_counter()
        fn(x)  # compile / autotune
        _sync(dev)
        first = time.perf_counter() - t0
        fn(x)
        _sync(dev)
        reps, t0 = 0, time.perf_counter()
        while reps < 3 or time.perf_counter() - t0 < min_s:
            fn(x)
            reps += 1
        _sync(dev)
        dt = (time.perf_counter() - t0) / reps
    mpix = batch * size * size / 1e6
    return {"variant": variant, "preset": preset, "size": size, "batch": batch,
            "pass_mpix_s": mpix / dt, "first_call_s": first, "reps": reps,
            "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"}


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="auto")
    p.add_argument("--preset", default="paper")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--min-seconds", type=float, default=2.0)
    p.add_argument("--json", type=Path)
    a = p.parse_args(argv)
    dev = resolve_device(a.device)
    results = []
    for variant in a.variants.split(","):
        if variant not in VARIANTS:
            raise SystemExit(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
        try:
            r = measure(variant, a.preset, dev, a.size, a.batch, a.min_seconds)
        except Exception as err:  # a failing compiler backend is a result too
            r = {"variant": variant, "error": f"{type(err).__name__}: {err}"[:500]}
        results.append(r)
        print(json.dumps(r), flush=True)
        if a.json:
            a.json.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
