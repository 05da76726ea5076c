"""dims='auto' on a time-lapse (TYX) looks along Z, the default `along`, and falls back to 2-D;
its reason now names along='T'. Regression: it said only "has 0 plane(s) along Z", leaving a
user of a 50-frame movie no clue that along='T' would have let it choose 3-D."""

from __future__ import annotations

import numpy as np

from napari_sdap import train

TINY = {"preset": "tiny", "steps": 1, "width": 8, "blocks": 1, "device": "cpu",
        "student": False}


def _movie(frames: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    clean = 100 + 50 * np.sin(np.arange(32) / 5.0)[None, None, :] * np.ones((frames, 32, 1))
    return (clean + rng.normal(0, 10, clean.shape)).astype(np.float32)


def test_auto_on_a_movie_names_along_t() -> None:
    model = train(_movie(9), "TYX", dims="auto", **TINY)
    assert model.config.network.dims == 2
    assert model.record.dims.endswith("(it has 9 along T: along='T' (--along T) looks there)"), \
        model.record.dims


def test_no_hint_for_a_short_movie() -> None:
    model = train(_movie(4), "TYX", dims="auto", **TINY)
    assert "along='T'" not in model.record.dims
