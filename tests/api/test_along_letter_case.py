"""`train(..., along='t')` takes the axis letter in any case, as `axes='tyx'` does.

Regression: `axes='tyx'` was taken but `along='t'` refused ("along must be 'Z' or 'T' (got
't')"), though presets, modes and losses are taken in any case."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap import train
from napari_sdap.errors import ConfigError

TINY = {"preset": "tiny", "steps": 1, "width": 8, "blocks": 1, "device": "cpu",
        "student": False}


def _movie() -> np.ndarray:
    rng = np.random.default_rng(0)
    clean = 100 + 50 * np.sin(np.arange(32) / 5.0)[None, None, :] * np.ones((5, 32, 1))
    return (clean + rng.normal(0, 10, clean.shape)).astype(np.float32)


@pytest.mark.parametrize("along", ["t", " T "])
def test_along_in_any_case(along: str) -> None:
    model = train(_movie(), "tyx", dims=3, along=along, z_step=1, **TINY)
    assert model.config.network.along == "T"


def test_other_letters_still_refused() -> None:
    with pytest.raises(ConfigError, match=r"along must be 'Z' or 'T' \(got 'X'\)"):
        train(_movie(), "ZYX", dims=3, along="x", **TINY)
