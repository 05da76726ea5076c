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


def untrained_tiny():
    """An untrained tiny network (seeded Kaiming weights, blind spot kept) on a fixed intensity
    scale (100..1100): fast, deterministic outputs for tests of the plumbing."""
    import torch
    from torch import nn

    from napari_sdap import create_model
    from napari_sdap.model.network import CentreMaskedConv2d
    from napari_sdap.model.normalize import Normalization

    m = create_model("tiny", width=8, blocks=1, tile=16, read_workers=2)
    torch.manual_seed(0)
    with torch.no_grad():
        for mod in m.network.modules():
            if isinstance(mod, nn.Conv2d):
                nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
                nn.init.zeros_(mod.bias)
                if isinstance(mod, CentreMaskedConv2d):
                    mod.weight.mul_(mod.mask)
    m.normalization = Normalization(low=[100.0], high=[1100.0])
    return m


@pytest.fixture(scope="module", name="model_bytes")
def model_bytes_fixture(tmp_path_factory) -> bytes:
    """The bytes of a small trained model file (no student)."""
    import napari_sdap

    img = np.random.default_rng(0).normal(0.5, 0.1, (48, 48)).astype(np.float32)
    path = tmp_path_factory.mktemp("model") / "m.safetensors"
    napari_sdap.train(img, axes="YX", preset="tiny", steps=2, width=8, blocks=1, student=False,
                      device="cpu").save(path)
    return path.read_bytes()
