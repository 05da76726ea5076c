"""`analyze_noise(image, seed=...)` with a seed that is no whole number 0..2**32-1 (-1, 1.5,
'abc', True, []) gave numpy's own errors from deep in the measurement ("expected non-negative
integer", "SeedSequence expects int ...") or was read as another seed (True as 1, [] as
entropy); it is a `ConfigError` naming the value and the rule, as `train(seed=...)` gives."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.api import analyze_noise
from napari_sdap.errors import ConfigError


def _image() -> np.ndarray:
    return np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)


@pytest.mark.parametrize("seed", [-1, 1.5, float("nan"), "abc", "", True, [], 2**32])
def test_a_seed_that_is_no_whole_number_is_refused(seed):
    with pytest.raises(ConfigError, match=r"seed must be a whole number 0\.\.4294967295"):
        analyze_noise(_image(), seed=seed)


def test_whole_seeds_numpy_ones_included_still_measure():
    a = analyze_noise(_image(), seed=3)
    b = analyze_noise(_image(), seed=np.int64(3))
    assert a == b


@pytest.mark.parametrize("mode", ["x", 3, True, "jointly"])
def test_a_channel_mode_training_refuses_is_refused(mode):
    """`channel_mode` was passed on unchecked: 'JOINT' and any typo measured the channels
    independently, where training (whose config lowers and checks it) reads them jointly."""
    with pytest.raises(ConfigError, match=r"channel_mode must be 'auto', 'joint' or "
                                          r"'independent'"):
        analyze_noise(np.stack([_image(), 2 * _image()]), "CYX", channel_mode=mode)



def test_channel_mode_none_is_auto_and_capitals_are_taken():
    cyx = np.stack([_image(), 2 * _image() + 5])
    assert analyze_noise(cyx, "CYX", channel_mode=None) == analyze_noise(cyx, "CYX")
    assert analyze_noise(cyx, "CYX", channel_mode="JOINT") == \
        analyze_noise(cyx, "CYX", channel_mode="joint")
