"""`whiten_axis` / `whiten_coef` given to `train` are refused: the whitening is set by training.

Given to a training, they were stored in the model without its network learning the whitened
image: a trained model trained further with `whiten_axis="X", whiten_coef=0.5` then denoised
through a whitening it never saw (35.8 -> 26.8 dB on a synthetic image), and a new model at a
given stride kept them untrained with (on a line scan 31.2 against 32.7 dB); with
stride="auto" the noise analysis replaced them without a word. A whitening set by hand goes
through `create_model` (then trained with it: `tests/api/test_whitening.py`).
"""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import ConfigError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "student": False, "device": "cpu"}


def _noisy() -> np.ndarray:
    rng = np.random.default_rng(0)
    _, xx = np.mgrid[:48, :48]
    return (100 + 50 * np.sin(xx / 5.0) + rng.normal(0, 8, (48, 48))).astype(np.float32)


@pytest.mark.parametrize("given", [{"whiten_axis": "X", "whiten_coef": 0.5},
                                   {"whiten_coef": 0.3}])
def test_a_new_training_refuses_them(given):
    with pytest.raises(ConfigError, match=r"cannot be given to a training.*create_model"):
        napari_sdap.train(_noisy(), "YX", steps=1, stride=1, **TINY, **given)


def test_a_model_trained_further_refuses_them_and_is_unchanged():
    model = napari_sdap.train(_noisy(), "YX", steps=1, stride=1, **TINY)
    before = model.denoise(_noisy(), "YX", device="cpu")
    with pytest.raises(ConfigError, match="whiten_axis and whiten_coef cannot be given"):
        napari_sdap.train(_noisy(), "YX", model=model, steps=1, whiten_axis="X",
                          whiten_coef=0.5, **TINY)
    assert model.whitening is None and model.record.steps == 1
    np.testing.assert_array_equal(model.denoise(_noisy(), "YX", device="cpu"), before)
