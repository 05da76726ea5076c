"""Compute devices for front ends: which exist, how much memory they have free, and how much
training needs (the estimate `model.memory` also uses to size inference tiles)."""

from __future__ import annotations

from napari_sdap.model.device import available_devices, resolve_device
from napari_sdap.model.memory import training_bytes

__all__ = ["available_devices", "free_bytes", "resolve_device", "training_bytes"]


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
