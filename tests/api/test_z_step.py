"""3-D models choose z_step from the noise of neighbouring planes unless it is given."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from napari_sdap.api import train
from napari_sdap.api.volume import choose_volume
from napari_sdap.axes import plane_view
from napari_sdap.errors import InputError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 16}


def _stack(depth: int = 10, size: int = 48, mix: float = 0.0, seed: int = 0) -> np.ndarray:
    """Smooth 3-D structure plus noise; `mix` > 0 adds mix * the noise of the previous plane."""
    z, y, x = np.mgrid[0:depth, 0:size, 0:size].astype(np.float32)
    n = np.random.default_rng(seed).normal(0, 0.2, (depth, size, size)).astype(np.float32)
    noise = n.copy()
    noise[1:] += mix * n[:-1]
    return np.sin(x / 4.0 + z / 6.0) * np.cos(y / 5.0) + noise


def _choose(stack: np.ndarray, dims, step=None, context=1):
    return choose_volume(dims, [(stack, plane_view(stack.shape, "ZYX"))], "Z", context, step)


def test_independent_noise_keeps_neighbouring_planes():
    dims, step, why = _choose(_stack(), 3)
    assert (dims, step) == (3, 1)
    assert why.startswith("dims=3 along Z, z_step=1: the noise of neighbouring planes is "
                          "independent")


def test_noise_mixed_between_planes_reads_planes_two_apart(caplog):
    dims, step, why = _choose(_stack(mix=0.6), "auto")
    assert (dims, step) == (3, 2) and "z_step=2" in why and "correlated" in why
    with caplog.at_level(logging.INFO, logger="napari_sdap"):
        model = train(_stack(mix=0.6), "ZYX", steps=1, stride=1, dims=3, **TINY)
    assert (model.config.network.dims, model.config.network.z_step) == (3, 2)
    assert "z_step=2" in model.record.dims and "z_step=2" in caplog.text


@pytest.mark.parametrize("mix", [0.0, 0.6])
def test_a_given_z_step_is_kept(mix):
    assert _choose(_stack(mix=mix), 3, step=1)[:2] == (3, 1)
    assert _choose(_stack(mix=mix), 3, step=3)[:2] == (3, 3)
    model = train(_stack(mix=mix), "ZYX", steps=1, stride=1, dims=3, z_step=1, **TINY)
    assert model.config.network.z_step == 1 and model.record.dims.endswith("z_step=1 as given")


def test_2d_measures_nothing_and_keeps_the_step_unset():
    assert _choose(_stack(depth=7, mix=0.6), 2) == (2, None, "dims=2 (each plane on its own)")
    dims, step, why = _choose(_stack(mix=0.6), 2)  # 10 planes: 3-D is pointed to
    assert (dims, step) == (2, None) and "stacks of 10+ planes along Z: dims='auto'" in why


def test_too_few_planes_for_step_two():
    thin = _stack(depth=4, mix=0.6)  # 3 planes suffice for z_step=1, 5 are needed for 2
    with pytest.raises(InputError, match=r"correlated.*needs at least 5 planes along Z.*has 4"
                                         r".*z_step=1"):
        _choose(thin, 3)
    dims, step, why = _choose(_stack(depth=10, mix=0.6), "auto", context=2)  # needs 9 for 2
    assert (dims, step) == (3, 2)
    dims, step, why = _choose(_stack(depth=8, mix=0.6), "auto", context=2)
    assert (dims, step) == (2, None) and "needs 9 planes" in why and "has 8" in why
