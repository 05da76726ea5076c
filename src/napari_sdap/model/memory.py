"""Memory the blind-spot network needs: one estimate for training, tiling and the widgets."""

from __future__ import annotations

__all__ = ["LIVE_MAPS", "inference_bytes_per_pixel", "training_bytes"]

LIVE_MAPS = 16
"""Feature maps of `width` channels alive at once per window pixel in a no-grad pass (the two
dilated branches, their skip sums and the fusion head)."""


def inference_bytes_per_pixel(width: int, half: bool = False) -> int:
    """Peak bytes per window pixel of a no-grad pass (bf16/fp16 when `half`)."""
    return width * (2 if half else 4) * LIVE_MAPS


def training_bytes(width: int, blocks: int, channels: int, pixels: int,
                   half: bool = False) -> int:
    """Rough peak memory of one training step on `pixels` input pixels (batch x patch^2).

    Counts the feature maps kept for the backward pass: per branch 5 + 2 * blocks maps of
    `width` channels, two branches, plus ~3 maps in the fusion head, times 1.1, plus 16 bytes
    per weight (weights, gradients, two Adam moments): measured peaks on CUDA in bf16 were
    2995 / 71 / 7 MiB for the paper / fast / tiny presets at their default batches, against
    3080 / 71 / 7 MiB from this formula (docs/benchmarks.md, "GPU").
    """
    maps = 2 * (5 + 2 * blocks) + 3
    act = pixels * width * maps * (2 if half else 4)
    params = (2 * blocks * (9 + 1) + 12) * width * width + 2 * channels * width
    return int(1.1 * act + 16 * params)
