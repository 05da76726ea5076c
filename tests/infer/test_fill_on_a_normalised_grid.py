"""`infer.offset.is_fill` sees the network's normalised float32 values, not the image's: whole
numbers divided by a scale such as 9 land a float32 ulp off their grid (k / 3 reads as steps
of 0.33333334 and 0.3333333), and photon counts whose zeros pile up next to their ones, a
clip, read as off the grid and were taken for a fill."""

from __future__ import annotations

import numpy as np

from napari_sdap.clipping import CLIPPED, clipped_ends
from napari_sdap.infer.offset import is_fill


def _normalised(counts: np.ndarray, low: float, high: float) -> np.ndarray:
    """As `model.normalize.Normalization.forward` gives them to the measurement."""
    return ((counts - low) / (high - low)).astype(np.float32).astype(np.float64)


def _counts(gain: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:128, :128]
    lam = 0.5 * (0.5 + 0.5 * np.sin(xx / 9) * np.cos(yy / 13)) ** 2 + 0.02
    return gain * rng.poisson(lam).astype(np.float64)


def test_counts_clipped_at_0_stay_a_clip_once_normalised() -> None:
    for gain in (1, 3, 16):
        counts = _counts(gain, 0)
        z = _normalised(counts, 0.0, 3.0 * gain)  # the normalisation's 0.5 / 99.8 percentiles
        assert clipped_ends(z.ravel(), CLIPPED)[0]
        assert not is_fill(counts.ravel(), [counts])  # the image's own values: a clip
        assert not is_fill(z.ravel(), [z])  # (was a fill: the grid missed by an ulp)


def test_a_fill_below_counts_is_still_a_fill_once_normalised() -> None:
    rng = np.random.default_rng(1)  # a camera's offset and read noise, a 0 fill between tiles
    counts = 100 + np.round(_counts(3, 1) + rng.normal(0, 1, (128, 128)))
    counts[:, :32] = 0.0
    z = _normalised(counts, 98.0, 109.0)
    assert is_fill(z.ravel(), [z])
