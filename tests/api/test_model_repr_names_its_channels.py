"""`print(model)` (the README's way to see a model) said `channels=1` for a model of two
independent channels (CYX, each channel its own grey image: its network takes 1) and said
nothing of a 3-D model's planes; it names the independent channels and `3-D along Z`."""

from __future__ import annotations

import numpy as np

import napari_sdap


def _plane(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(100, 10, (32, 32)).astype(np.float32)


QUICK = {"preset": "tiny", "steps": 1, "device": "cpu", "student": False}


def test_independent_channels_are_named() -> None:
    model = napari_sdap.train(np.stack([_plane(0), 3 * _plane(1)]), "CYX", **QUICK)
    assert "channels=2 independent," in repr(model)
    assert "channels=1," in repr(napari_sdap.train(_plane(0), **QUICK))


def test_a_3d_model_says_so() -> None:
    stack = np.stack([_plane(s) for s in range(5)])
    model = napari_sdap.train(stack, "ZYX", dims=3, z_step=1, **QUICK)
    assert "channels=1, 3-D along Z," in repr(model)
    assert "untrained" in repr(napari_sdap.create_model("tiny", 3))
