"""Compute devices for front ends: which exist, how much memory they have free, how much
training needs (the estimate `model.memory` also uses to size inference tiles), and which
preset `preset="auto"` trains with on a device."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from napari_sdap.model.device import available_devices, resolve_device
from napari_sdap.model.memory import training_bytes
from napari_sdap.presets import PAPER_PIXELS

__all__ = ["PAPER_PIXELS", "auto_preset", "available_devices", "free_bytes", "pick_preset",
           "resolve_device", "training_bytes", "training_pixels"]

log = logging.getLogger(__name__)

def training_pixels(views: Sequence[Any]) -> int:
    """Pixels the images of these plane views train on (planes x height x width)."""
    return sum(v.n_planes * v.height * v.width for v in views)


def auto_preset(device: str, pixels: int | None) -> str:
    """The preset `preset="auto"` trains with on `device` ("auto" or a named device) for
    `pixels` training pixels (None: not known yet): `fast` on a CPU, and elsewhere `paper` for
    at least `PAPER_PIXELS`, else `fast`."""
    if _kind(device) == "cpu":
        return "fast"
    return "fast" if pixels is not None and pixels < PAPER_PIXELS else "paper"


def _kind(device: str) -> str:
    return resolve_device(device).type if device == "auto" else device.split(":")[0]


def pick_preset(preset: str, device: str, views: Sequence[Any]) -> str:
    """`preset`, or `auto_preset` for "auto"; a warning in the log when `paper` was asked for
    with less data than it needs (it over-trained there)."""
    pixels = training_pixels(views)
    if preset == "auto":
        name = auto_preset(device, pixels)
        if name == "fast" and _kind(device) != "cpu":  # the amount of data decided it
            log.info("preset auto: fast, as the training data (%d pixels) is below the %d for "
                     "which paper does better on a GPU", pixels, PAPER_PIXELS)
        return name
    if preset == "paper" and pixels < PAPER_PIXELS:
        log.warning("preset paper on %d training pixels: below %d it over-trained on single "
                    "frames (0.2-6.3 dB below fast on 8 of 10 held-out tasks); preset auto "
                    "or fast is likely better here", pixels, PAPER_PIXELS)
    return preset


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
