"""Noise analysis for front ends: how correlated the noise of an image is, and what it calls for.

The estimate is the one training runs with `stride="auto"` (`training.noise`): the normalised
autocorrelation of the flattest blocks at lags 1..4 along X and Y, the stride it calls for and
the inference mode that goes with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from napari_sdap.api.inputs import prepare_all
from napari_sdap.errors import ConfigError
from napari_sdap.kinds import lowered
from napari_sdap.training.noise import NoiseEstimate, describe_noise, estimate_noise

__all__ = ["NoiseEstimate", "analyze_noise", "describe_noise"]


def analyze_noise(image: Any, axes: str | Sequence[str | None] | None = None, *,
                  channel_mode: str = "auto", seed: int = 0) -> NoiseEstimate:
    """Measure the noise correlation of `image` (array, path or a list of them), as training
    with `stride="auto"` and the same `seed` does. An image training refuses (constant, NaN or
    infinite values) is refused with the same `InputError`."""
    from napari_sdap.config import NormalizationConfig
    from napari_sdap.model.normalize import compute_normalization
    from napari_sdap.presets import check_seed

    if seed is not None:  # (numpy's own errors deep in the measurement; True read as 1)
        seed = check_seed(seed)
    mode = "auto" if channel_mode is None else lowered(channel_mode)  # (typos were taken)
    if mode not in ("auto", "joint", "independent"):
        raise ConfigError(f"channel_mode must be 'auto', 'joint' or 'independent' (got "
                          f"{channel_mode!r}), as for training")
    channel_mode = mode
    prepared = prepare_all(image, axes, channel_mode)
    try:
        sources = [(p.array, p.view) for p in prepared]
        # what training refuses first (a constant image or channel, NaN or infinite values):
        # a constant image has no noise to measure, whatever its correlations read
        compute_normalization(sources, NormalizationConfig(), seed)
        return estimate_noise(sources, seed=seed)
    finally:
        for p in prepared:
            p.close()
