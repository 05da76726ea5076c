"""Settings and a small trained model shared by the API tests (trained once per session)."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import smooth_image

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 4, "patch_size": 24}


@pytest.fixture(scope="session", name="gray_model")
def gray_model_fixture():
    from napari_sdap.api import train

    clean = smooth_image((64, 64))
    noisy = clean + np.random.default_rng(0).normal(0, 0.1, clean.shape).astype(np.float32)
    return train(noisy, steps=3, stride=2, **TINY)
