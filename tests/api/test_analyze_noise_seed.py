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
