"""The output-level refusal of a hyperstack (T and Z, or independent channels and Z) named the
window tried by its plane number over all the looped axes ('plane 7' of a 3 x 5 TZYX stack),
which no slider of napari shows; it names each axis's index too ('plane 7 (T 1, Z 2)'). A plain
stack keeps 'plane 2'."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import InputError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 4, "patch_size": 24,
        "steps": 3, "stride": 1, "student": False, "device": "cpu", "seed": 0}


def _image(offset=0.0, seed=0, shape=(64, 64)):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    clean = 100 + 80 * np.sin(xx / 7.0) * np.cos(yy / 9.0)
    noisy = np.clip(clean + rng.normal(0, 15, clean.shape), 0, 255).astype(np.uint8)
    return noisy.astype(np.float32) + np.float32(offset)


@pytest.fixture(scope="module")
def model():
    return napari_sdap.train(_image(), "YX", **TINY)


def test_a_hyperstack_s_plane_is_named_on_each_axis(model):
    stack = np.stack([np.stack([_image(400.0, seed=5 * t + z) for z in range(5)])
                      for t in range(3)])
    with pytest.raises(InputError, match=r"piece of it \(plane 7 \(T 1, Z 2\), y 0\.\.64"):
        model.denoise(stack, "TZYX")


def test_a_plain_stack_keeps_its_plane_number(model):
    stack = np.stack([_image(400.0, seed=z) for z in range(5)])
    with pytest.raises(InputError, match=r"piece of it \(plane 2, y 0\.\.64"):
        model.denoise(stack, "ZYX")
