"""A noise level the user knows (`TrainingConfig.noise_std`, `noise_gain`, `noise_offset`), on
the network's scale.

Read from a single noisy image, the noise takes texture for noise (2 x 2 box-filtered noise of
std 15 on textured photographs read std 13-43) and reads smooth images with noise correlated
over several pixels low (FMD wide-field frames: about half the variance); the detail restore
then gives back too little or too much, and the output blur is chosen for the wrong noise
(docs/benchmarks.md). A lab whose camera is calibrated (read noise, gain and offset) knows
the noise at every intensity: ``variance(I) = noise_std**2 + noise_gain * max(I - noise_offset,
0)`` in the image's units, the Poisson-Gaussian model of a camera.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["KnownNoise", "known_noise", "per_group"]


@dataclass(frozen=True)
class KnownNoise:
    """The noise variance against intensity, in the image's units."""

    std: float
    gain: float = 0.0
    offset: float = 0.0

    def variance(self, intensity: np.ndarray) -> np.ndarray:
        """Noise variance at `intensity` (image units)."""
        above = np.maximum(np.asarray(intensity, np.float64) - self.offset, 0.0)
        return self.std**2 + self.gain * above

    def on_scale(self, low: float, scale: float) -> Callable[[np.ndarray], np.ndarray]:
        """The variance against the network's intensities ``(I - low) / scale``."""
        return lambda levels: self.variance(low + np.asarray(levels, np.float64) * scale) / (
            scale * scale)

    def describe(self) -> str:
        """E.g. ``std 2, variance + 0.5 per unit above 100``."""
        text = f"std {self.std:g}"
        if self.gain:
            text += f", variance + {self.gain:g} per unit above {self.offset:g}"
        return text


def known_noise(training: Any) -> KnownNoise | None:
    """The known noise of a `TrainingConfig`; None where it is to be read from the data."""
    if training.noise_std is None:
        return None
    return KnownNoise(training.noise_std, training.noise_gain, training.noise_offset)


def per_group(noise: KnownNoise, normalization: Any, groups: int
              ) -> Callable[[int, np.ndarray], np.ndarray]:
    """(channel group, network-scale intensities) -> network-scale variance: each group has
    its own normalisation (`model.normalize.Normalization.scale`)."""
    scales = [noise.on_scale(*normalization.scale(g)) for g in range(groups)]
    return lambda group, levels: scales[group](levels)
