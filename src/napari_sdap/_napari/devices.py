"""Compute devices to offer, free memory and a rough memory estimate for the network."""

from __future__ import annotations

__all__ = ["device_choices", "estimate_bytes", "format_bytes", "free_bytes"]


def device_choices() -> list[str]:
    """`auto` followed by the devices torch sees (cuda:N, mps, cpu)."""
    from napari_sdap.model.device import available_devices

    return ["auto", *available_devices()]


def free_bytes(device: str) -> int | None:
    """Free memory on `device` (GPU memory for cuda, system RAM otherwise); None if unknown."""
    try:
        if device.startswith("cuda"):
            import torch

            index = int(device.split(":")[1]) if ":" in device else 0
            return int(torch.cuda.mem_get_info(index)[0])
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:
        return None


def estimate_bytes(width: int, blocks: int, channels: int, pixels: int, training: bool,
                   half: bool = False) -> int:
    """Rough peak memory of the blind-spot network on `pixels` input pixels per call.

    Counts the feature maps kept for the backward pass: per branch 5 + 2 * blocks maps of
    `width` channels, two branches, plus ~3 maps in the fusion head. Training needs 1.1 times
    those maps plus 16 bytes per weight (weights, gradients, two Adam moments): measured peaks
    on CUDA in bf16 were 2995 / 71 / 7 MiB for the paper / fast / tiny presets at their default
    batches, against 3080 / 71 / 7 MiB from this formula (docs/benchmarks.md, "GPU").
    """
    maps = 2 * (5 + 2 * blocks) + 3
    per_value = 2 if half else 4
    act = pixels * width * maps * per_value
    params = (2 * blocks * (9 + 1) + 12) * width * width + 2 * channels * width
    if training:
        return int(1.1 * act + 16 * params)
    return int(act // max(1, maps // 4) + params * 4)  # no_grad: only a few maps live at once


def format_bytes(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover
