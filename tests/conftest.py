"""Shared fixtures: small synthetic noisy images and a single-threaded, seeded torch."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import correlated_noise, smooth_image  # noqa: F401 (re-exported)


@pytest.fixture(autouse=True, scope="session")
def _torch_single_thread():
    """Keep CPU tests predictable on small CI machines (2 cores shared by pytest workers)."""
    try:
        import torch
    except ImportError:  # Qt-free/torch-free import checks
        yield
        return
    torch.set_num_threads(1)
    yield


@pytest.fixture
def noisy_pair():
    """(clean, noisy) 96 x 96 float32 with white Gaussian noise of std 0.1."""
    clean = smooth_image((96, 96))
    noisy = clean + np.random.default_rng(3).normal(0, 0.1, clean.shape).astype(np.float32)
    return clean, noisy.astype(np.float32)

